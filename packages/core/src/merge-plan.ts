import type { MergeMode, MergePlan } from '@strata/contract';
import { chainOf, childrenOf } from './image-chain.js';
import type { ImageRecord, VmRecord } from './records.js';

export interface MergeTarget {
  layer: ImageRecord;
  parent: ImageRecord | undefined;
  vm: VmRecord | undefined;
  chain: ImageRecord[];
  /** Other layers standing on the parent: a commit into it changes them. */
  dependents: ImageRecord[];
}

export function mergeTarget(imageId: string, images: ImageRecord[], vms: VmRecord[]): MergeTarget | undefined {
  const byId = new Map(images.map((i) => [i.id, i]));
  const layer = byId.get(imageId);
  if (!layer) return undefined;
  const parent = layer.parentId ? byId.get(layer.parentId) : undefined;
  const vm = vms.find((v) => v.disks.some((d) => d.imageId === imageId));
  const dependents = parent ? childrenOf(parent.id, images).filter((i) => i.id !== layer.id) : [];
  return { layer, parent, vm, chain: chainOf(imageId, byId), dependents };
}

/** One mode of a plan: allowed only if its new files fit in the free space, which it then says. */
const modeIn = (freeSpace: number) => (m: MergeMode, allowed: boolean, reason: string, spaceNeeded: number, invalidates: ImageRecord[] = []) => ({
  mode: m, allowed: allowed && spaceNeeded <= freeSpace, spaceNeeded, invalidates: invalidates.map((i) => ({ id: i.id, name: i.name })),
  reason: allowed && spaceNeeded > freeSpace ? `needs up to ${spaceNeeded} bytes, only ${freeSpace} are free` : reason,
});

/** What each merge mode would do to this layer, or why it is refused; pure, for the dialog and the API. */
export function planMerge(t: MergeTarget, sizes: (i: ImageRecord) => number, freeSpace: number, live: boolean): MergePlan {
  const chainBytes = t.chain.reduce((sum, l) => sum + sizes(l), 0);
  const mode = modeIn(freeSpace);
  const notTop = !t.vm ? 'only the writable top layer of a VM disk can be merged for now' : null;
  const refused = notTop;
  const how = live ? ' (live, inside QEMU)' : '';
  const parent = t.parent;
  const commitReason = refused
    ?? (!parent ? 'this layer has no parent to commit into'
      : parent.ownerVmId !== t.vm!.id ? `${parent.name} is a shared base, not this VM's own layer: committing would change it for everyone; use new base`
        : t.dependents.length > 0 ? `writes this layer into ${parent.name}; ${t.dependents.length} other layer(s) stand on it and become invalid`
          : `writes this layer into ${parent.name}, which becomes the disk's top${how}`);
  const commitAllowed = !refused && !!parent && parent.ownerVmId === t.vm!.id;
  return {
    imageId: t.layer.id,
    vmId: t.vm?.id ?? null,
    live,
    freeSpace,
    modes: [
      mode('commit', commitAllowed, commitReason, parent ? sizes(parent) + sizes(t.layer) : 0, commitAllowed ? t.dependents : []),
      mode('stream', !refused && !!parent, refused ?? (parent ? 'pulls the data of every layer below into this one, which then stands alone; the layers below are left untouched' : 'this layer stands alone already'), chainBytes),
      mode('new-base', !refused, refused ?? 'writes the whole chain into a new protected base and gives this VM a fresh overlay on it; other VMs keep their layers', chainBytes),
    ],
  };
}

/**
 * uml_moo's two ways (seed 000) for a UML COW layer, offline only. new-base (safe, the default)
 * writes base + COW into a new plain file; commit merges in place (-d) into the backing file, which
 * is refused while other COW files stand on it unless the user confirms they become invalid.
 */
export function planUmlMerge(t: MergeTarget, sizes: (i: ImageRecord) => number, freeSpace: number, live: boolean): MergePlan {
  const parent = t.parent;
  const refused = !t.vm ? 'only the writable COW of a VM disk can be merged'
    : live ? 'stop the VM first: uml_moo merges UML COW files offline'
      : t.layer.pendingFirstUse ? 'the COW file does not exist yet (UML makes it at the first start): nothing to merge'
        : !parent ? 'this COW has no backing file' : null;
  const full = parent ? Math.max(sizes(parent), parent.virtualSize) : 0;
  const mode = modeIn(freeSpace);
  const siblings = t.dependents;
  return {
    imageId: t.layer.id,
    vmId: t.vm?.id ?? null,
    live,
    freeSpace,
    modes: [
      mode('commit', !refused, refused ?? (siblings.length > 0
        ? `uml_moo -d into ${parent!.name}: ${siblings.length} other COW file(s) stand on it and become invalid`
        : `uml_moo -d into ${parent!.name}, its only COW: written to a copy, verified, then renamed over it; the VM gets a fresh COW`), full, siblings),
      mode('stream', false, refused ?? "a UML COW's backing must be a plain file, so a COW cannot stand alone: use new base", 0),
      mode('new-base', !refused, refused ?? 'uml_moo writes the backing file and this COW into a new plain base; the VM gets a fresh COW on it; other VMs keep theirs', full),
    ],
  };
}
