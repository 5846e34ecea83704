import type { JobContext } from './job-service.js';
import type { LiveMergeHandle, MergeDeps, MergeFiles } from './merge-deps.js';
import type { MergeJournal } from './merge-journal.js';
import type { MergeTarget, planMerge } from './merge-plan.js';
import type { CowStamp } from './ports.js';
import type { ImageRecord } from './records.js';

/** Where merges of one layer format differ: the tool that writes them, and what the records become. */
export interface MergeStrategy {
  /** What each mode would do to such a layer, or why it is refused; pure. */
  plan: typeof planMerge;
  /** The format a new base is written in. */
  newBaseFormat: 'qcow2' | 'raw';
  /** An offline stream rewrites the top in place (a layer that can stand alone afterwards). */
  streamsInPlace: boolean;
  /** How reasons name the layer below, and how it was written into ('' or ' in place (uml_moo -d)'). */
  wording: { parentWord: string; mergedHow: string };
  /** What the layer's header says of its parent as an in-place commit begins, when the format records it. */
  commitStamp(files: MergeFiles, t: MergeTarget): CowStamp | undefined;
  /** Writes the layer into its parent in place, flushed, and verified: what differs, or null. */
  commitInPlace(
    deps: MergeDeps,
    j: MergeJournal,
    layer: ImageRecord,
    parent: ImageRecord,
    onProgress: (p: number) => void,
  ): Promise<string | null>;
  /** Writes the merged chain into the journal's `tmp` and proves it shows the guest what the layer does. */
  writeCopy(
    deps: MergeDeps,
    j: MergeJournal,
    job: JobContext,
    layer: ImageRecord,
    parent?: ImageRecord,
    grandparent?: ImageRecord,
  ): Promise<void>;
  /** The records, once the file is in place (or QEMU pivoted): safe to run twice. */
  finish(deps: MergeDeps, j: MergeJournal, handle?: LiveMergeHandle): Promise<void>;
  /** The job's closing sentence. */
  finishedSentence(j: MergeJournal, layerName: string): string;
}
