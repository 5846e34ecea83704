import type { Job } from '@strata/contract';
import { conflict, notFound } from './errors.js';
import type { EventSink, JobRecord, JobRepository } from './ports.js';

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

/** After a restart: given what the journal says, finish or undo, and say which. */
export type Recovery = (job: JobRecord) => Promise<string>;

export type JobService = ReturnType<typeof createJobService>;

export function toJob({ journal: _journal, name: _name, ...job }: JobRecord): Job {
  return job;
}

export function createJobService(deps: { jobs: JobRepository; events: EventSink; newId(): string; now(): string }) {
  const controllers = new Map<string, AbortController>();
  const finished = new Map<string, Promise<void>>();
  const recoveries = new Map<string, Recovery>();
  const emit = (record: JobRecord) => deps.events.emit({ type: 'job.changed', job: toJob(record) });
  const update = (id: string, patch: Partial<JobRecord>) => {
    const record = deps.jobs.update(id, { ...patch, updatedAt: deps.now() });
    emit(record);
    return record;
  };

  return {
    start(spec: JobSpec): Job {
      const id = deps.newId();
      const record: JobRecord = {
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
      deps.jobs.insert(record);
      emit(record);
      const controller = new AbortController();
      controllers.set(id, controller);
      let lastEmit = 0;
      const ctx: JobContext = {
        signal: controller.signal,
        progress: (fraction) => {
          // Progress is patched in by the UI; a few updates a second are plenty.
          if (Date.now() - lastEmit < 200 && fraction < 1) return;
          lastEmit = Date.now();
          update(id, { progress: Math.min(1, Math.max(0, fraction)) });
        },
        journal: (patch) => {
          const current = deps.jobs.get(id)!;
          deps.jobs.update(id, { journal: { ...current.journal, ...patch } });
        },
      };
      finished.set(
        id,
        spec
          .run(ctx)
          .then(
            (result) => void update(id, { state: 'succeeded', progress: 1, result }),
            (err: unknown) =>
              void update(
                id,
                controller.signal.aborted
                  ? { state: 'cancelled', result: 'cancelled; nothing was changed' }
                  : { state: 'failed', error: err instanceof Error ? err.message : String(err) },
              ),
          )
          .finally(() => controllers.delete(id))
          // The server closed under a running job: its journal is in the database, and the next start recovers it.
          .catch(() => undefined),
      );
      return toJob(record);
    },

    get(id: string): Job {
      const job = deps.jobs.get(id);
      if (!job) throw notFound('job', id);
      return toJob(job);
    },

    list(): Job[] {
      return deps.jobs.list().map(toJob).reverse();
    },

    /** Running work of a VM, so that nothing else touches its disks meanwhile. */
    activeFor(vmId: string): Job | undefined {
      return deps.jobs
        .list()
        .filter((j) => j.vmId === vmId && (j.state === 'running' || j.state === 'queued'))
        .map(toJob)[0];
    },

    cancel(id: string): Job {
      const job = this.get(id);
      const controller = controllers.get(id);
      if (!controller) throw conflict('job_not_running', `job ${id} is ${job.state}; only running jobs can be cancelled`);
      controller.abort();
      return job;
    },

    /** Waits for a job started in this process to end (tests and shutdown). */
    async settled(id: string): Promise<Job> {
      await finished.get(id);
      return this.get(id);
    },

    onRecover(kind: string, recovery: Recovery): void {
      recoveries.set(kind, recovery);
    },

    /** Jobs the last process left unfinished: each kind's recovery finishes or undoes it. */
    async recover(): Promise<void> {
      for (const job of deps.jobs.list().filter((j) => j.state === 'running' || j.state === 'queued')) {
        const recovery = recoveries.get(job.kind);
        try {
          const result = recovery ? await recovery(job) : 'the server stopped during this job; nothing to finish';
          update(job.id, {
            state: result.startsWith('finished') ? 'succeeded' : 'failed',
            error: result.startsWith('finished') ? undefined : result,
            result,
          });
        } catch (err) {
          update(job.id, { state: 'failed', error: `recovery failed: ${(err as Error).message}` });
        }
      }
    },
  };
}
