import type { LiveMergeHandle, MergeDeps } from './merge-deps.js';
import type { MergeJournal } from './merge-journal.js';
import { strategyFor } from './merge-strategy.js';

/** Database side of a merge whose file is in place (or whose QEMU pivot is done); safe to run twice. */
export async function finishMerge(deps: MergeDeps, j: MergeJournal, handle?: LiveMergeHandle): Promise<string> {
  const strategy = strategyFor(j.layerFormat);
  const layerName = deps.images.get(j.layerId)?.name ?? j.layerId;
  await strategy.finish(deps, j, handle);
  deps.events.emit({ type: 'images.changed' });
  const updated = deps.vms.get(j.vmId);
  if (updated) await deps.publish(updated);
  return strategy.finishedSentence(j, layerName);
}
