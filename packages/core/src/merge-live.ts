import { conflict } from './errors.js';
import type { JobContext } from './job-service.js';
import type { LiveMergeHandle, MergeDeps } from './merge-deps.js';
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
    // Whatever the job reported (a cancel can lose the race with the pivot), where QEMU's disk now
    // points decides: a pivot that happened is recorded, and the file the guest writes is never removed.
    if (await pivotedNow(deps, j, handle)) return finishMerge(deps, j, handle);
    if (j.mode === 'new-base') await deps.files.removeFile(j.target);
    throw err;
  }
  return finishMerge(deps, j, handle);
}

/** The file a commit or new base pivots the disk onto. */
const pivotFile = (deps: MergeDeps, j: MergeJournal) => (j.mode === 'commit' ? deps.images.get(j.parentId ?? '')?.path : j.target);

/** Is QEMU's disk on the merge's pivot file now? False for a stream (it never pivots) or when QEMU cannot say (it is gone). */
async function pivotedNow(deps: MergeDeps, j: MergeJournal, handle: LiveMergeHandle): Promise<boolean> {
  if (j.mode === 'stream') return false;
  const active = await handle.activeFile(j.diskId).catch(() => null);
  return active !== null && active === pivotFile(deps, j);
}

/**
 * Did QEMU finish a live merge the last server process was watching? Only asked of a VM that is
 * attached or gone: without a handle, the VM's process is taken to have ended.
 */
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
  return active === pivotFile(deps, j);
}
