import type { Image } from '@strata/contract';
import type { ImageRecord, VmRecord } from './records.js';

/** The layers of a disk from its top down to its base. Stops on a cycle rather than loop forever. */
export function chainOf(topId: string, byId: Map<string, ImageRecord>): ImageRecord[] {
  const chain: ImageRecord[] = [];
  const seen = new Set<string>();
  let current = byId.get(topId);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    chain.push(current);
    current = current.parentId ? byId.get(current.parentId) : undefined;
  }
  return chain;
}

export function usersOf(images: ImageRecord[], vms: VmRecord[]): Map<string, Image['usedBy']> {
  const byId = new Map(images.map((i) => [i.id, i]));
  const users = new Map<string, Image['usedBy']>();
  for (const vm of vms) {
    for (const disk of vm.disks) {
      chainOf(disk.imageId, byId).forEach((layer, depth) => {
        const list = users.get(layer.id) ?? [];
        list.push({ vmId: vm.id, role: depth === 0 ? 'writable' : 'backing' });
        users.set(layer.id, list);
      });
    }
  }
  return users;
}

export function childrenOf(imageId: string, images: ImageRecord[]): ImageRecord[] {
  return images.filter((i) => i.parentId === imageId);
}
