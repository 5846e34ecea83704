import { conflict } from './errors.js';
import type { JobContext } from './job-service.js';
import type { MergeDeps } from './merge-deps.js';
import { finishMerge } from './merge-finish.js';
import type { MergeJournal } from './merge-journal.js';

/** Live merges are QEMU block jobs; the disk pivots when one completes. */
export async function runLive(deps: MergeDeps, j: MergeJournal, job: JobContext): Promise<string> {
  const handle = deps.liveHandle(j.vmId);
  if (!handle) throw conflict('not_running', 'the VM stopped before its live merge began');
  const parent = j.parentId ? deps.images.get(j.parentId) : undefined;
  job.journal({ ...j, step: 'live' });
  const options = {
    onProgress: (p: number) => job.progress(p * 0.95),
    signal: job.signal,
    onReady: () => job.journal({ step: 'ready' }),
  };
  try {
    if (j.mode === 'commit') {
      if (!parent) throw new Error(`the parent ${j.parentId} to commit into is no longer recorded`);
      await handle.commitDisk(j.diskId, parent.path, options);
    } else if (j.mode === 'stream') await handle.streamDisk(j.diskId, options);
    else await handle.mirrorDisk(j.diskId, j.target, options);
  } catch (err) {
    if (j.mode === 'new-base') await deps.files.removeFile(j.target);
    throw err;
  }
  return finishMerge(deps, j, handle);
}

/** Did QEMU finish a live merge the last server process was watching? */
export async function livePivoted(deps: MergeDeps, j: MergeJournal): Promise<boolean> {
  const handle = deps.liveHandle(j.vmId);
  const layer = deps.images.get(j.layerId);
  if (j.mode === 'stream') {
    if (handle) await handle.settleBlockJobs();
    return !!layer && (await deps.files.backingOf(layer.path, layer.format)) === null;
  }
  if (!handle) return j.step === 'ready'; // past READY the target held everything the guest had written
  await handle.settleBlockJobs();
  const active = await handle.activeFile(j.diskId);
  return active === (j.mode === 'commit' ? deps.images.get(j.parentId ?? '')?.path : j.target);
}
