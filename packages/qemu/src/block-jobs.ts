import type { QmpClient } from './qmp-client.js';

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

/** After a server restart: complete jobs that reached READY (their target has everything), cancel the rest. */
export async function settleBlockJobs(qmp: QmpClient): Promise<void> {
  for (const job of await qmp.execute<QemuJob[]>('query-jobs')) {
    if (job.status === 'ready') await qmp.execute('job-complete', { id: job.id });
    else if (job.status === 'running' || job.status === 'paused') await qmp.execute('block-job-cancel', { device: job.id, force: true });
  }
  for (let i = 0; i < 50; i++) {
    const jobs = await qmp.execute<QemuJob[]>('query-jobs');
    for (const job of jobs.filter((j) => j.status === 'concluded')) await qmp.execute('job-dismiss', { id: job.id });
    if (jobs.every((j) => j.status === 'concluded' || j.status === 'null')) return;
    await new Promise((r) => setTimeout(r, 100));
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
 * Runs one QEMU block job to its end: progress from query-jobs, the READY → job-complete pivot for
 * jobs that need it (active commit, mirror), block-job-cancel when the signal aborts, and the job's
 * own error if it fails.
 */
export async function runBlockJob(qmp: QmpClient, jobId: string, start: () => Promise<unknown>, options: BlockJobOptions): Promise<void> {
  let completing = false;
  const abort = () => void qmp.execute('block-job-cancel', { device: jobId, force: true }).catch(() => undefined);
  options.signal.addEventListener('abort', abort, { once: true });
  try {
    await start();
    for (;;) {
      const job = (await qmp.execute<QemuJob[]>('query-jobs')).find((j) => j.id === jobId);
      if (!job) throw new Error(`QEMU block job ${jobId} vanished`);
      if (job['total-progress'] > 0) options.onProgress(job['current-progress'] / job['total-progress']);
      if (job.status === 'ready' && !completing) {
        completing = true;
        options.onReady?.();
        await qmp.execute('job-complete', { id: jobId });
      }
      if (job.status === 'concluded' || job.status === 'null') {
        await qmp.execute('job-dismiss', { id: jobId }).catch(() => undefined);
        if (options.signal.aborted) throw new Error('cancelled');
        if (job.error) throw new Error(`QEMU block job failed: ${job.error}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    options.signal.removeEventListener('abort', abort);
  }
}
