import type { JobContext } from './job-service.js';
import type { MergeDeps } from './merge-deps.js';
import { finishMerge } from './merge-finish.js';
import { beginInPlace, inPlaceFailure, writeInPlace } from './merge-in-place.js';
import { routeOf, type MergeJournal } from './merge-journal.js';
import { strategyFor } from './merge-strategy.js';

/**
 * Journaled before the first byte; from then on the commit only goes forward: a cancel is not
 * heard once qemu-img or uml_moo runs (it costs what the top holds), and a failure says so.
 */
export async function runInPlace(deps: MergeDeps, j: MergeJournal, job: JobContext): Promise<string> {
  if (job.signal.aborted) throw new Error('cancelled before it began');
  job.journal({ ...j });
  beginInPlace(deps, j);
  try {
    await writeInPlace(deps, j, (p) => job.progress(p));
  } catch (err) {
    throw inPlaceFailure(deps, j, err);
  }
  job.journal({ step: 'switching' });
  return finishMerge(deps, j);
}

/**
 * Stream and new base write the merged chain to a new file, check it, compare what the guest sees
 * before and after, fsync, and only then rename it into place; the journal says which side of
 * the rename a crash fell on.
 */
export async function runCopy(deps: MergeDeps, j: MergeJournal, job: JobContext): Promise<string> {
  const { images, files } = deps;
  const layer = images.get(j.layerId);
  if (!layer) throw new Error(`the layer ${j.layerId} to merge is no longer recorded`);
  const parent = j.parentId ? images.get(j.parentId) : undefined;
  const grandparent = parent?.parentId ? images.get(parent.parentId) : undefined;
  job.journal({ ...j });
  try {
    await strategyFor(j.layerFormat).writeCopy(deps, j, job, layer, parent, grandparent);
    await files.sync(j.tmp);
    job.progress(0.95);
  } catch (err) {
    await files.removeFile(j.tmp);
    throw err;
  }
  job.journal({ step: 'switching' });
  await files.rename(j.tmp, j.target);
  await files.sync(j.target);
  return finishMerge(deps, j);
}

export const runOffline = (deps: MergeDeps, j: MergeJournal, job: JobContext): Promise<string> =>
  routeOf(j) === 'in-place' ? runInPlace(deps, j, job) : runCopy(deps, j, job);
