import type { Job } from '@strata/contract';
import { conflict, notFound } from './errors.js';
import { recoverJob, type Recovery } from './job-recovery.js';
import type { EventSink, JobRecord, JobRepository } from './ports.js';

export type { Recovery, RecoveryOutcome } from './job-recovery.js';

export interface JobContext {
  signal: AbortSignal;
  progress(fraction: number): void;
  /** Records a step and its data before it is taken, so a restart knows what to finish or undo. */
  journal(patch: Record<string, unknown>): void;
}

export interface JobSpec {
  kind: string;
  title: string;
  vmId?: string | null;
  imageId?: string | null;
  /** Resolves with a sentence saying how it ended. */
  run(ctx: JobContext): Promise<string>;
}

/** Long work (merges, imports, conversions), journaled so that a restart can finish or undo it. */
export interface JobService {
  start(spec: JobSpec): Job;
  get(id: string): Job;
  list(): Job[];
  /** Running work of a VM, so that nothing else touches its disks meanwhile. */
  activeFor(vmId: string): Job | undefined;
  cancel(id: string): Job;
  /** Waits for a job started in this process to end (tests and shutdown). */
  settled(id: string): Promise<Job>;
  onRecover(kind: string, recovery: Recovery): void;
  /**
   * Jobs the last process left unfinished: each kind's recovery finishes or undoes it, or defers
   * it (it stays running). Safe to call again later: jobs of this process, and any being
   * recovered now, are left alone.
   */
  recover(): Promise<void>;
}

export interface JobServiceDeps {
  jobs: JobRepository;
  events: EventSink;
  newId(): string;
  now(): string;
}

/** What this server process knows of its jobs beyond their records. */
interface JobRuntime {
  deps: JobServiceDeps;
  controllers: Map<string, AbortController>;
  finished: Map<string, Promise<void>>;
  recoveries: Map<string, Recovery>;
  /** Jobs whose recovery is running now, so a second recover() does not run it twice. */
  recovering: Set<string>;
}

export function toJob({ journal: _journal, name: _name, ...job }: JobRecord): Job {
  return job;
}

function updateJob({ deps }: JobRuntime, id: string, patch: Partial<JobRecord>): JobRecord {
  const record = deps.jobs.update(id, { ...patch, updatedAt: deps.now() });
  deps.events.emit({ type: 'job.changed', job: toJob(record) });
  return record;
}

function newRecord(deps: JobServiceDeps, spec: JobSpec): JobRecord {
  const id = deps.newId();
  return {
    id,
    name: id,
    kind: spec.kind,
    state: 'running',
    progress: 0,
    title: spec.title,
    vmId: spec.vmId ?? null,
    imageId: spec.imageId ?? null,
    journal: {},
    createdAt: deps.now(),
    updatedAt: deps.now(),
  };
}

function contextFor(rt: JobRuntime, id: string, signal: AbortSignal): JobContext {
  let lastEmit = 0;
  return {
    signal,
    progress: (fraction) => {
      // Progress is patched in by the UI; a few updates a second are plenty.
      if (Date.now() - lastEmit < 200 && fraction < 1) return;
      lastEmit = Date.now();
      // Called from a tool's output handler, where a throw would end the server: progress is only advice, and the
      // job's end (recorded where failures are caught) says what matters.
      try {
        updateJob(rt, id, { progress: Math.min(1, Math.max(0, fraction)) });
      } catch {
        /* the next progress or the end tries again */
      }
    },
    journal: (patch) => {
      const current = rt.deps.jobs.get(id)!;
      rt.deps.jobs.update(id, { journal: { ...current.journal, ...patch } });
    },
  };
}

/** A job that made and removed things before it stopped says so in its error's `cancelled`; others changed nothing. */
function cancelledWords(err: unknown): string {
  const own = err instanceof Error ? (err as Error & { cancelled?: unknown }).cancelled : undefined;
  return typeof own === 'string' ? own : 'cancelled; nothing was changed';
}

/** How the job's own run ended: a cancel is told apart from a failure by its signal. */
function settle(rt: JobRuntime, id: string, controller: AbortController, run: Promise<string>): Promise<void> {
  return (
    run
      .then(
        (result) => void updateJob(rt, id, { state: 'succeeded', progress: 1, result }),
        (err: unknown) =>
          void updateJob(
            rt,
            id,
            controller.signal.aborted
              ? { state: 'cancelled', result: cancelledWords(err) }
              : { state: 'failed', error: err instanceof Error ? err.message : String(err) },
          ),
      )
      .finally(() => rt.controllers.delete(id))
      // The server closed under a running job: its journal is in the database, and the next start recovers it.
      .catch(() => undefined)
  );
}

function startJob(rt: JobRuntime, spec: JobSpec): Job {
  const record = newRecord(rt.deps, spec);
  rt.deps.jobs.insert(record);
  rt.deps.events.emit({ type: 'job.changed', job: toJob(record) });
  const controller = new AbortController();
  rt.controllers.set(record.id, controller);
  rt.finished.set(record.id, settle(rt, record.id, controller, spec.run(contextFor(rt, record.id, controller.signal))));
  return toJob(record);
}

function getJob({ deps }: JobRuntime, id: string): Job {
  const job = deps.jobs.get(id);
  if (!job) throw notFound('job', id);
  return toJob(job);
}

function activeJobFor({ deps }: JobRuntime, vmId: string): Job | undefined {
  return deps.jobs
    .list()
    .filter((j) => j.vmId === vmId && (j.state === 'running' || j.state === 'queued'))
    .map(toJob)[0];
}

function cancelJob(rt: JobRuntime, id: string): Job {
  const job = getJob(rt, id);
  const controller = rt.controllers.get(id);
  if (!controller) throw conflict('job_not_running', `job ${id} is ${job.state}; only running jobs can be cancelled`);
  controller.abort();
  return job;
}

async function recoverJobs(rt: JobRuntime): Promise<void> {
  const left = rt.deps.jobs
    .list()
    .filter((j) => (j.state === 'running' || j.state === 'queued') && !rt.controllers.has(j.id) && !rt.recovering.has(j.id));
  for (const job of left) {
    rt.recovering.add(job.id);
    try {
      updateJob(rt, job.id, await recoverJob(job, rt.recoveries.get(job.kind)));
    } finally {
      rt.recovering.delete(job.id);
    }
  }
}

export function createJobService(deps: JobServiceDeps): JobService {
  const rt: JobRuntime = { deps, controllers: new Map(), finished: new Map(), recoveries: new Map(), recovering: new Set() };
  return {
    start: (spec) => startJob(rt, spec),
    get: (id) => getJob(rt, id),
    list: () => deps.jobs.list().map(toJob).reverse(),
    activeFor: (vmId) => activeJobFor(rt, vmId),
    cancel: (id) => cancelJob(rt, id),
    async settled(id) {
      await rt.finished.get(id);
      return getJob(rt, id);
    },
    onRecover: (kind, recovery) => void rt.recoveries.set(kind, recovery),
    recover: () => recoverJobs(rt),
  };
}
