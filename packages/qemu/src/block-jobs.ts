import { silentLogger, type Logger } from '@strata/core';
import type { QmpClient, QmpEvent } from './qmp-client.js';

interface QemuJob {
  id: string;
  status: string;
  'current-progress': number;
  'total-progress': number;
  error?: string;
}

export interface BlockJobOptions {
  onProgress(fraction: number): void;
  signal: AbortSignal;
  /** Called once the job is READY, before job-complete: from then on the target holds everything. */
  onReady?(): void;
}

/**
 * QEMU reports a job's state changes as events but never its progress, so while a job runs its
 * progress is read at this pace: the job service publishes at most five updates a second, and two
 * reads a second keep the bar moving for one QMP round trip each. The same read sees the job's
 * state, so a lost event costs at most this long.
 */
const PROGRESS_READ_MS = 500;

/** A job's events: JOB_STATUS_CHANGE names it by `id`; the older BLOCK_JOB_* events by `device` (the job id when one was given). */
const JOB_EVENTS = new Set(['JOB_STATUS_CHANGE', 'BLOCK_JOB_READY', 'BLOCK_JOB_COMPLETED', 'BLOCK_JOB_ERROR', 'BLOCK_JOB_CANCELLED']);
const jobOf = (e: QmpEvent): string | undefined => {
  if (!JOB_EVENTS.has(e.event)) return undefined;
  const id = e.data?.id ?? e.data?.device;
  return typeof id === 'string' ? id : undefined;
};

/**
 * Wakes a waiting loop when QEMU sends an event for a job `wanted` accepts (or QMP closes), and
 * otherwise after the given time. An event that arrives while nobody waits is remembered.
 */
function jobWakeups(qmp: QmpClient, wanted: (jobId: string) => boolean, log: Logger) {
  let wake: (() => void) | null = null;
  let missed = false;
  const poke = () => {
    missed = true;
    wake?.();
  };
  const offEvent = qmp.onEvent((e) => {
    const jobId = jobOf(e);
    if (jobId === undefined || !wanted(jobId)) return;
    // Named fields only: QEMU's event data is not ours to spread into a log line.
    log.info({ event: e.event, id: jobId, status: e.data?.status, device: e.data?.device }, `QMP event ${e.event}`);
    poke();
  });
  const offClose = qmp.onClose(poke);
  return {
    next(timeoutMs: number): Promise<void> {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = null;
          missed = false;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        if (missed) done();
        else wake = done;
      });
    },
    dispose(): void {
      offEvent();
      offClose();
      wake?.();
    },
  };
}

/** After a server restart: complete jobs that reached READY (their target has everything), cancel the rest. */
export async function settleBlockJobs(qmp: QmpClient, log: Logger = silentLogger): Promise<void> {
  const wakeups = jobWakeups(qmp, () => true, log);
  try {
    for (const job of await qmp.execute<QemuJob[]>('query-jobs')) {
      log.info({ job: job.id, status: job.status }, 'settling a block job left from before the restart');
      if (job.status === 'ready') await qmp.execute('job-complete', { id: job.id });
      else if (job.status === 'running' || job.status === 'paused') await qmp.execute('block-job-cancel', { device: job.id, force: true });
    }
    // Each job's JOB_STATUS_CHANGE to "concluded" wakes the next look; the timeout only covers a lost event.
    const deadline = Date.now() + 5000;
    for (;;) {
      const jobs = await qmp.execute<QemuJob[]>('query-jobs');
      for (const job of jobs.filter((j) => j.status === 'concluded')) await qmp.execute('job-dismiss', { id: job.id });
      if (jobs.every((j) => j.status === 'concluded' || j.status === 'null')) return;
      if (Date.now() > deadline) {
        log.warn({ jobs: jobs.map((j) => `${j.id}:${j.status}`) }, 'block jobs still not settled after 5 s; left to QEMU');
        return;
      }
      await wakeups.next(1000);
    }
  } finally {
    wakeups.dispose();
  }
}

/** The format node whose image is `path` (query-named-block-nodes, flat). */
export async function nodeForFile(qmp: QmpClient, path: string): Promise<string> {
  type Node = { 'node-name': string; drv: string; image: { filename: string } };
  const nodes = await qmp.execute<Node[]>('query-named-block-nodes', { flat: true });
  const node = nodes.find((n) => n.drv !== 'file' && n.image.filename === path);
  if (!node) throw new Error(`QEMU has no block node for ${path}`);
  return node['node-name'];
}

/**
 * Runs one QEMU block job to its end: the job's events (JOB_STATUS_CHANGE, BLOCK_JOB_*) wake the
 * loop at once, query-jobs gives progress and the state, the READY → job-complete pivot for jobs
 * that need it (active commit, mirror), block-job-cancel when the signal aborts, and the job's own
 * error if it fails.
 *
 * The outcome is what QEMU reports, never the signal alone: a cancel can lose the race with the
 * job (sent before the job exists, or after job-complete), and then QEMU pivots anyway. So a
 * cancel asked before the job started is sent once it has; once job-complete is sent the abort
 * is ignored; and a job that concludes without an error succeeded, cancel or not.
 */
export async function runBlockJob(
  qmp: QmpClient,
  jobId: string,
  start: () => Promise<unknown>,
  options: BlockJobOptions,
  log: Logger = silentLogger,
): Promise<void> {
  let started = false;
  let completing = false;
  const jobLog = log.child({ job: jobId });
  const cancel = () => {
    jobLog.info({}, 'cancelling the block job');
    void qmp.execute('block-job-cancel', { device: jobId, force: true }).catch(() => undefined);
  };
  // Before start() returns there is no job to cancel; past job-complete the pivot is QEMU's to finish.
  const abort = () => {
    if (started && !completing) cancel();
  };
  // Subscribed before the job starts, so not even its first event can be missed.
  const wakeups = jobWakeups(qmp, (id) => id === jobId, jobLog);
  options.signal.addEventListener('abort', abort, { once: true });
  try {
    await start();
    started = true;
    jobLog.info({}, 'block job started');
    if (options.signal.aborted) cancel();
    for (;;) {
      const job = (await qmp.execute<QemuJob[]>('query-jobs')).find((j) => j.id === jobId);
      if (!job) throw new Error(`QEMU block job ${jobId} vanished`);
      if (job['total-progress'] > 0) options.onProgress(job['current-progress'] / job['total-progress']);
      if (job.status === 'ready' && !completing && !options.signal.aborted) {
        completing = true;
        options.onReady?.();
        jobLog.info({}, 'block job ready; completing (pivot)');
        await qmp.execute('job-complete', { id: jobId });
      }
      if (job.status === 'concluded' || job.status === 'null') {
        await qmp.execute('job-dismiss', { id: jobId }).catch(() => undefined);
        if (job.error) {
          if (options.signal.aborted && !completing) throw new Error('cancelled');
          jobLog.warn({ error: job.error }, 'block job failed');
          throw new Error(`QEMU block job failed: ${job.error}`);
        }
        jobLog.info({ aborted: options.signal.aborted }, 'block job finished');
        return;
      }
      await wakeups.next(PROGRESS_READ_MS);
    }
  } finally {
    wakeups.dispose();
    options.signal.removeEventListener('abort', abort);
  }
}
