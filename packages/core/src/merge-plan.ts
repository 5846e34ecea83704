import type { MergeMode, MergePlan } from '@strata/contract';
import { chainOf, childrenOf, usersOf } from './image-chain.js';
import type { ImageRecord, VmRecord } from './records.js';
import { isActive } from './vm-state.js';

export interface MergeTarget {
  layer: ImageRecord;
  parent: ImageRecord | undefined;
  vm: VmRecord | undefined;
  chain: ImageRecord[];
  /** Other layers standing on the parent: a commit into it changes them. */
  dependents: ImageRecord[];
  /** Names of other running VMs that read the parent: nothing may write it in place under them. */
  parentReaders: string[];
}

export function mergeTarget(imageId: string, images: ImageRecord[], vms: VmRecord[]): MergeTarget | undefined {
  const byId = new Map(images.map((i) => [i.id, i]));
  const layer = byId.get(imageId);
  if (!layer) return undefined;
  const parent = layer.parentId ? byId.get(layer.parentId) : undefined;
  const vm = vms.find((v) => v.disks.some((d) => d.imageId === imageId));
  const dependents = parent ? childrenOf(parent.id, images).filter((i) => i.id !== layer.id) : [];
  const readers = parent ? (usersOf(images, vms).get(parent.id) ?? []).map((u) => vms.find((v) => v.id === u.vmId)!) : [];
  const parentReaders = [...new Set(readers.filter((v) => v.id !== vm?.id && isActive(v.state)).map((v) => v.name))];
  return { layer, parent, vm, chain: chainOf(imageId, byId), dependents, parentReaders };
}

const MiB = 1024 ** 2;
/**
 * What a merge streams through qemu-img or uml_moo on this kind of host, reading and writing
 * together (scripts/bench/layers.ts measures it); estimates are rounded up, not promised.
 */
const BYTES_PER_SECOND = 400 * MiB;
const START_SECONDS = 0.3;

/** The parent grows by at most what the top holds, plus its L2 and refcount tables (well under 1/32). */
export const inPlaceSpace = (topBytes: number) => topBytes + Math.ceil(topBytes / 32) + 4 * MiB;

/**
 * Seconds for a merge that writes `bytes` and reads them back `passes` more times (verification):
 * a copy reads the chain, writes it, checks it and compares it with the chain.
 */
export const estimateSeconds = (bytes: number, passes: number) =>
  Math.round((START_SECONDS + (bytes * (1 + passes)) / BYTES_PER_SECOND) * 10) / 10;

interface Cost {
  space: number;
  written: number;
  inPlace: boolean;
}
const copyCost = (bytes: number): Cost => ({ space: bytes, written: bytes, inPlace: false });
/** A stream in place writes what the layers below show into the top, next to a copy of the top to verify against. */
const streamCost = (chainBytes: number, topBytes: number): Cost => {
  const pulled = Math.max(0, chainBytes - topBytes);
  return { space: inPlaceSpace(pulled) + topBytes, written: pulled + topBytes, inPlace: true };
};
const inPlaceCost = (topBytes: number): Cost => ({ space: inPlaceSpace(topBytes), written: topBytes, inPlace: true });

/** One mode of a plan: allowed only if its new files fit in the free space, which it then says. */
const modeIn =
  (freeSpace: number) =>
  (m: MergeMode, allowed: boolean, reason: string, cost: Cost, invalidates: ImageRecord[] = []) => ({
    mode: m,
    allowed: allowed && cost.space <= freeSpace,
    spaceNeeded: cost.space,
    bytesWritten: cost.written,
    inPlace: cost.inPlace,
    // In place: the write, then the top's ranges read in both files. A copy: read, write, check, compare both.
    estimatedSeconds: estimateSeconds(cost.written, cost.inPlace ? 2 : 3),
    invalidates: invalidates.map((i) => ({ id: i.id, name: i.name })),
    reason: allowed && cost.space > freeSpace ? `needs up to ${cost.space} bytes, only ${freeSpace} are free` : reason,
  });

/** Writing a parent in place under a running reader would show it a mix: those VMs must stop first. */
const readersReason = (t: MergeTarget) =>
  t.parentReaders.length > 0
    ? `${t.parent!.name} is read by running VM(s) ${t.parentReaders.join(', ')}: stop them first, the commit writes it in place`
    : null;

/** What each merge mode would do to this layer, or why it is refused; pure, for the dialog and the API. */
export function planMerge(t: MergeTarget, sizes: (i: ImageRecord) => number, freeSpace: number, live: boolean): MergePlan {
  const chainBytes = t.chain.reduce((sum, l) => sum + sizes(l), 0);
  const mode = modeIn(freeSpace);
  const refused = !t.vm ? 'only the writable top layer of a VM disk can be merged for now' : null;
  const how = live ? ' (live, inside QEMU)' : ' in place: only what this layer holds is written, and a restart finishes it';
  const parent = t.parent;
  const shared = parent && parent.ownerVmId !== t.vm?.id;
  const busy = parent && !shared ? readersReason(t) : null;
  const commitReason =
    refused ??
    (!parent
      ? 'this layer has no parent to commit into'
      : shared
        ? `${parent.name} is a shared base, not this VM's own layer: committing would change it for everyone; use new base`
        : (busy ??
          (t.dependents.length > 0
            ? `writes this layer into ${parent.name}${how}; ${t.dependents.length} other layer(s) stand on it and become invalid`
            : `writes this layer into ${parent.name}${how}; ${parent.name} becomes the disk's top`)));
  const commitAllowed = !refused && !!parent && !shared && !busy;
  return {
    imageId: t.layer.id,
    vmId: t.vm?.id ?? null,
    live,
    freeSpace,
    modes: [
      mode('commit', commitAllowed, commitReason, inPlaceCost(sizes(t.layer)), commitAllowed ? t.dependents : []),
      mode(
        'stream',
        !refused && !!parent,
        refused ??
          (parent
            ? `pulls the data of every layer below into this one, which then stands alone; the layers below are left untouched${live ? ' (live, inside QEMU)' : '; in place, and a restart finishes it'}`
            : 'this layer stands alone already'),
        live ? copyCost(chainBytes) : streamCost(chainBytes, sizes(t.layer)),
      ),
      mode(
        'new-base',
        !refused,
        refused ?? 'writes the whole chain into a new protected base and gives this VM a fresh overlay on it; other VMs keep their layers',
        copyCost(chainBytes),
      ),
    ],
  };
}

/**
 * uml_moo's two ways (as UML's documentation gives them) for a UML COW layer, offline only. new-base (safe, the default)
 * writes base + COW into a new plain file; commit merges in place (-d) into the backing file, which
 * is refused while other COW files stand on it unless the user confirms they become invalid.
 */
export function planUmlMerge(t: MergeTarget, sizes: (i: ImageRecord) => number, freeSpace: number, live: boolean): MergePlan {
  const parent = t.parent;
  const refused = !t.vm
    ? 'only the writable COW of a VM disk can be merged'
    : live
      ? 'stop the VM first: uml_moo merges UML COW files offline'
      : t.layer.pendingFirstUse
        ? 'the COW file does not exist yet (UML makes it at the first start): nothing to merge'
        : !parent
          ? 'this COW has no backing file'
          : null;
  const full = parent ? Math.max(sizes(parent), parent.virtualSize) : 0;
  const mode = modeIn(freeSpace);
  const siblings = t.dependents;
  const busy = parent ? readersReason(t) : null;
  const commitRefused = refused ?? busy;
  return {
    imageId: t.layer.id,
    vmId: t.vm?.id ?? null,
    live,
    freeSpace,
    modes: [
      mode(
        'commit',
        !commitRefused,
        commitRefused ??
          (siblings.length > 0
            ? `uml_moo -d into ${parent!.name} in place: ${siblings.length} other COW file(s) stand on it and become invalid`
            : `uml_moo -d into ${parent!.name}, its only COW, in place: only the COW's sectors are written, a restart finishes it; the VM gets a fresh COW`),
        inPlaceCost(sizes(t.layer)),
        siblings,
      ),
      mode('stream', false, refused ?? "a UML COW's backing must be a plain file, so a COW cannot stand alone: use new base", copyCost(0)),
      mode(
        'new-base',
        !refused,
        refused ??
          'uml_moo writes the backing file and this COW into a new plain base; the VM gets a fresh COW on it; other VMs keep theirs',
        copyCost(full),
      ),
    ],
  };
}
