import type { MergeDeps } from './merge-deps.js';
import { invalidateOtherChildren, vmNameOf } from './merge-invalidate.js';
import type { MergeJournal } from './merge-journal.js';
import { strategyFor } from './merge-strategy.js';
import type { ImageRecord } from './records.js';

/*
 * Streams the layers below into a top in place (qemu-img rebase -b ''), which writes nothing but
 * the top. Commits a top into its parent in place (qemu-img commit -d, or uml_moo -d). The top masks every
 * cluster it holds until the disk is repointed, so the chain through it reads the same at every
 * instant; only the parent alone is in between, and nothing may read it alone meanwhile: its other
 * dependents are marked invalid before the first byte, and reverting to it is refused
 * (`mergingInto`) until the merge is finished. Running it again writes the same bytes again.
 */

const recorded = (deps: Pick<MergeDeps, 'images'>, id: string | null, what: string): ImageRecord => {
  const image = id ? deps.images.get(id) : undefined;
  if (!image) throw new Error(`the ${what} ${id ?? '(none)'} the merge journal names is not recorded`);
  return image;
};

/** Before the first byte: whatever reads the parent alone is told it is about to change. */
export function beginInPlace(deps: Pick<MergeDeps, 'images' | 'vms' | 'now'>, j: MergeJournal): void {
  if (j.mode === 'stream') return; // a stream writes only its own top: nothing below changes
  const parent = recorded(deps, j.parentId, 'parent');
  invalidateOtherChildren(deps, parent, j.layerId, vmNameOf(deps, j), strategyFor(j.layerFormat).wording);
  deps.images.update(parent.id, { mergingInto: j.layerId });
}

/**
 * Writes, flushes and verifies. A commit costs what the top holds, whatever the parent's size;
 * a stream costs what the layers below show (the data it pulls in) plus a copy of the top.
 */
export async function writeInPlace(deps: MergeDeps, j: MergeJournal, onProgress: (p: number) => void): Promise<void> {
  const layer = recorded(deps, j.layerId, 'layer');
  const wrong =
    j.mode === 'stream'
      ? await deps.files.streamInPlace(layer.path, j.tmp, { onProgress: (p) => onProgress(p * 0.85) })
      : await strategyFor(j.layerFormat).commitInPlace(deps, j, layer, recorded(deps, j.parentId, 'parent'), onProgress);
  if (wrong) throw new Error(`verification failed: ${wrong}`);
}

/** A journal this design wrote, with its top still there to commit from. */
export function canRunAgain(deps: Pick<MergeDeps, 'images' | 'files'>, j: MergeJournal): boolean {
  const layer = deps.images.get(j.layerId);
  return !!layer && deps.files.exists(layer.path) && !!j.parentId && !!deps.images.get(j.parentId);
}

/** What a failed in-place merge left: the disk reads as before, and merging again finishes it. */
export function inPlaceFailure(deps: Pick<MergeDeps, 'images'>, j: MergeJournal, err: unknown): Error {
  const layer = deps.images.get(j.layerId);
  const parent = j.parentId ? deps.images.get(j.parentId) : undefined;
  const why = err instanceof Error ? err.message : String(err);
  if (j.mode === 'stream')
    return new Error(
      `${why}. ${layer?.name} may now hold part of what the layers below show; it still reads as before through them. Stream again to finish`,
    );
  return new Error(
    `${why}. ${parent?.name} may now hold part of ${layer?.name}; the disk still reads as before through ${layer?.name}. Merge again to finish (reverting to ${parent?.name} is refused until then)`,
  );
}
