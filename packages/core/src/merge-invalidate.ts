import { childrenOf } from './image-chain.js';
import type { MergeDeps } from './merge-deps.js';
import type { MergeJournal } from './merge-journal.js';
import type { ImageRecord } from './records.js';

export const vmNameOf = (deps: Pick<MergeDeps, 'vms'>, j: Pick<MergeJournal, 'vmId'>) => deps.vms.get(j.vmId)?.name ?? j.vmId;

/**
 * Every other layer standing on `parent` is marked invalid, saying who merged into it and how;
 * a layer invalid already keeps its first reason.
 */
export function invalidateOtherChildren(
  deps: Pick<MergeDeps, 'images' | 'now'>,
  parent: ImageRecord,
  keepId: string,
  vmName: string,
  how: { parentWord: string; mergedHow: string },
): void {
  const stamp = `${parent.name} was merged into${how.mergedHow} by VM ${vmName} at ${deps.now()}`;
  for (const child of childrenOf(parent.id, deps.images.list()).filter((i) => i.id !== keepId && !i.invalidReason)) {
    deps.images.update(child.id, { invalidReason: `its ${how.parentWord} ${stamp}` });
  }
}
