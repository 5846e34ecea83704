import { childrenOf } from './image-chain.js';
import type { CowStamp, ImageFiles, ImageRepository } from './ports.js';

export interface MergeJournal {
  mode: 'commit' | 'stream' | 'new-base';
  /**
   * Offline copies: writing → verifying → switching. In place: committing → switching.
   * Live: live → ready (the target holds everything).
   */
  step: 'writing' | 'verifying' | 'switching' | 'committing' | 'live' | 'ready';
  live: boolean;
  vmId: string;
  diskId: string;
  layerId: string;
  parentId: string | null;
  tmp: string;
  target: string;
  newId?: string;
  /** A UML COW merged by uml_moo. */
  uml?: boolean;
  /** The commit writes the parent itself: no new file, nothing to undo, a restart runs it again. */
  inPlace?: boolean;
  /** UML in place: the backing's mtime and size as the COW header recorded them when the merge began. */
  stamp?: CowStamp;
}

/**
 * Streams the layers below into a top in place (qemu-img rebase -b ''), which writes nothing but
 * the top. Commits a top into its parent in place (qemu-img commit -d, or uml_moo -d). The top masks every
 * cluster it holds until the disk is repointed, so the chain through it reads the same at every
 * instant; only the parent alone is in between, and nothing may read it alone meanwhile: its other
 * dependents are marked invalid before the first byte, and reverting to it is refused
 * (`mergingInto`) until the merge is finished. Running it again writes the same bytes again.
 */
export function createInPlaceCommit(deps: { images: ImageRepository; files: ImageFiles; now(): string }) {
  const { images, files } = deps;

  /** Before the first byte: whatever reads the parent alone is told it is about to change. */
  const begin = (j: MergeJournal, vmName: string) => {
    if (j.mode === 'stream') return; // a stream writes only its own top: nothing below changes
    const parent = images.get(j.parentId!)!;
    const stamp = `${parent.name} was merged into${j.uml ? ' in place (uml_moo -d)' : ''} by VM ${vmName} at ${deps.now()}`;
    for (const child of childrenOf(parent.id, images.list()).filter((i) => i.id !== j.layerId && !i.invalidReason)) {
      images.update(child.id, { invalidReason: `its ${j.uml ? 'backing file' : 'parent'} ${stamp}` });
    }
    images.update(parent.id, { mergingInto: j.layerId });
  };

  /**
   * Writes, flushes and verifies. A commit costs what the top holds, whatever the parent's size;
   * a stream costs what the layers below show (the data it pulls in) plus a copy of the top.
   */
  const write = async (j: MergeJournal, onProgress: (p: number) => void) => {
    const layer = images.get(j.layerId)!;
    const parent = images.get(j.parentId!)!;
    let wrong: string | null;
    if (j.mode === 'stream') {
      wrong = await files.streamInPlace(layer.path, j.tmp, { onProgress: (p) => onProgress(p * 0.85) });
    } else if (j.uml) {
      await files.umlMergeInPlace(layer.path, parent.path, j.stamp!);
      await files.sync(parent.path); // uml_moo never flushes
      onProgress(0.85);
      wrong = await files.verifyUmlInPlace(layer.path, parent.path, j.stamp!);
    } else {
      // qemu-img (cache=writeback) fdatasyncs the parent as it closes it: a second flush buys nothing.
      wrong = await files.commitInPlace(layer.path, parent.path, { onProgress: (p) => onProgress(p * 0.85) });
    }
    if (wrong) throw new Error(`verification failed: ${wrong}`);
  };

  return {
    begin,
    write,
    /** A journal this design wrote, with its top still there to commit from. */
    canRunAgain: (j: Partial<MergeJournal>) => {
      const layer = j.layerId ? images.get(j.layerId) : undefined;
      return !!layer && files.exists(layer.path) && !!j.parentId && !!images.get(j.parentId);
    },
    failed: (j: MergeJournal, err: unknown): Error => {
      const layer = images.get(j.layerId);
      const parent = images.get(j.parentId!);
      const why = err instanceof Error ? err.message : String(err);
      if (j.mode === 'stream')
        return new Error(
          `${why}. ${layer?.name} may now hold part of what the layers below show; it still reads as before through them. Stream again to finish`,
        );
      return new Error(
        `${why}. ${parent?.name} may now hold part of ${layer?.name}; the disk still reads as before through ${layer?.name}. Merge again to finish (reverting to ${parent?.name} is refused until then)`,
      );
    },
  };
}
