import type { DiskAdd, Job, Vm } from '@strata/contract';
import { conflict, invalid } from './errors.js';
import { chainOf } from './image-chain.js';
import { createCowLayer, createLayer } from './layers.js';
import { publishVerified } from './publish-verified.js';
import type { ImageRecord, VmRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { isActive } from './vm-state.js';
import { addDisk, growDisk, removeDisk } from './vm-disk-edits.js';
import { startCowSnapshot } from './uml-snapshot.js';

/** Snapshots and reverts of a VM's disks: shared backing files under private writable layers. */
export interface VmDisks {
  /**
   * Freezes the disk's top layer as the snapshot and continues on a new one: offline, or live
   * where the hypervisor can (QEMU's blockdev-snapshot-sync), so the guest never stops.
   */
  snapshot(vmId: string, diskId: string, body: { name: string; description?: string }): Promise<Vm>;
  /**
   * A UML COW's snapshot is a full copy (uml_moo): it runs as a job, answered at once; any other
   * disk's snapshot is taken at once, as snapshot() does, and answered with the VM.
   */
  snapshotOrJob(vmId: string, diskId: string, body: { name: string; description?: string }): Promise<{ vm: Vm } | { job: Job }>;
  /** Discards the layers above `imageId` in the disk's chain and starts a fresh top on it. */
  revert(vmId: string, diskId: string, imageId: string): Promise<Vm>;
  /** A blank disk or a new overlay on a shared image, at the next free diskN; the VM must be stopped. */
  add(vmId: string, body: DiskAdd): Promise<Vm>;
  /** Not the boot disk; its own layers deleted or kept as standalone images. */
  remove(vmId: string, diskId: string, layers: 'delete' | 'keep'): Promise<Vm>;
  /** Grows the disk (never shrinks): live on a running QEMU, else through qemu-img. */
  grow(vmId: string, diskId: string, sizeBytes: number): Promise<Vm>;
}

export type DisksDeps = Pick<VmContext, 'deps' | 'lock' | 'mustGet' | 'publish' | 'liveOf' | 'busy' | 'driverFor'>;

/**
 * A file-format rule, not a hypervisor's: a UML COW cannot stand on a COW (its backing must be a
 * plain file), so a snapshot of one is taken by merging it into a new plain file.
 */
const isCow = (layer: ImageRecord) => layer.format === 'uml-cow';

export function diskOf(d: DisksDeps, vmId: string, diskId: string) {
  const vm = d.mustGet(vmId);
  const disk = vm.disks.find((x) => x.id === diskId);
  if (!disk) throw invalid('params.disk', `VM '${vm.name}' has no disk '${diskId}'`);
  return { vm, disk };
}

export function refuseWhileBusy(d: DisksDeps, vm: VmRecord): void {
  const busy = d.busy(vm.id);
  if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy}`);
}

/** A top the VM's hypervisor makes at its first start, recorded as pending. */
function freshPending(d: DisksDeps, vm: VmRecord, diskId: string, on: ImageRecord, pending: { extension: string }) {
  const { deps } = d;
  return createCowLayer(deps, on, {
    name: `${vm.name}-${diskId}`,
    ownerVmId: vm.id,
    format: d.driverFor(vm).rules.disk.layerFormat,
    path: (id) => `${deps.vmDir(vm.id)}/disks/${id}.${pending.extension}`,
  });
}

const freshCow = (d: DisksDeps, vm: VmRecord, diskId: string, on: ImageRecord) =>
  freshPending(d, vm, diskId, on, d.driverFor(vm).rules.disk.madeAtFirstStart ?? { extension: 'cow' });

/** A fresh writable top on `on`, of the kind the VM's hypervisor boots from. */
export function freshTop(d: DisksDeps, vm: VmRecord, diskId: string, on: ImageRecord) {
  const pending = d.driverFor(vm).rules.disk.madeAtFirstStart;
  return pending ? freshPending(d, vm, diskId, on, pending) : createLayer(d.deps, on, { name: `${vm.name}-${diskId}`, ownerVmId: vm.id });
}

/** uml_moo writes COW + backing into a new plain file, verified and synced before it takes its name. */
async function mergeCowInto(d: DisksDeps, top: ImageRecord, parent: ImageRecord, target: string): Promise<void> {
  const { files } = d.deps;
  await publishVerified(files, `${target}.snapshot.tmp`, target, async (tmp) => {
    await files.umlMerge(top.path, parent.path, tmp, { onProgress: () => undefined, signal: new AbortController().signal });
    const wrong = await files.verifyUmlMerge(top.path, parent.path, tmp);
    if (wrong) throw new Error(`the snapshot failed verification: ${wrong}`);
  });
}

/**
 * A COW cannot stand on a COW (its backing must be a plain file), so a UML snapshot is the COW
 * merged with its backing into a new plain file (uml_moo, verified), kept read-only; the VM goes
 * on with a fresh COW on it. It costs a full copy of the disk; in the forest it stands on the
 * backing it came from.
 */
export async function snapshotCow(
  d: DisksDeps,
  vm: VmRecord,
  diskId: string,
  top: ImageRecord,
  snapshot: NonNullable<ImageRecord['snapshot']>,
): Promise<ImageRecord> {
  const { deps } = d;
  if (isActive(vm.state))
    throw conflict('requires_stop', 'UML snapshots are taken offline: uml_moo merges the COW into a new plain file; stop the VM first');
  if (top.pendingFirstUse) throw conflict('nothing_to_snapshot', 'the COW file does not exist yet: the disk is still its base, unchanged');
  const parent = deps.images.get(top.parentId!)!;
  const id = deps.newId();
  const target = deps.files.pathFor(id, 'raw');
  await mergeCowInto(d, top, parent, target);
  const frozen: ImageRecord = {
    id,
    name: `${vm.name}-${diskId}@${snapshot.name}`,
    path: target,
    format: 'raw',
    parentId: parent.id,
    virtualSize: parent.virtualSize,
    protected: false,
    ownerVmId: vm.id,
    boot: null,
    parentFingerprint: null,
    invalidReason: null,
    snapshot,
    createdAt: deps.now(),
  };
  deps.images.insert(frozen);
  const next = await freshCow(d, vm, diskId, frozen);
  deps.images.remove(top.id);
  await deps.files.removeFile(top.path);
  return next;
}

/** The top is frozen under the snapshot's name and a new overlay goes on it; live, the hypervisor makes it and the guest never stops. */
async function snapshotOverlay(
  d: DisksDeps,
  vm: VmRecord,
  diskId: string,
  top: ImageRecord,
  snapshot: NonNullable<ImageRecord['snapshot']>,
): Promise<ImageRecord> {
  const running = isActive(vm.state) ? d.liveOf(vm) : undefined;
  const liveDisks = running?.handle.liveDisks;
  if (running && !liveDisks) throw conflict('requires_stop', 'this VM cannot snapshot a disk while running; stop it first');
  const next = await createLayer(
    d.deps,
    top,
    { name: `${vm.name}-${diskId}`, ownerVmId: vm.id },
    liveDisks && ((path) => liveDisks.snapshotDisk(diskId, path)),
  );
  d.deps.images.update(top.id, { snapshot, name: `${vm.name}-${diskId}@${snapshot.name}` });
  return next;
}

export function snapshot(d: DisksDeps, vmId: string, diskId: string, body: { name: string; description?: string }): Promise<Vm> {
  const { deps } = d;
  return d.lock.run(vmId, async () => {
    const { vm, disk } = diskOf(d, vmId, diskId);
    refuseWhileBusy(d, vm);
    const top = deps.images.get(disk.imageId)!;
    const taken = { name: body.name, description: body.description ?? '', takenAt: deps.now() };
    const next = isCow(top) ? await snapshotCow(d, vm, disk.id, top, taken) : await snapshotOverlay(d, vm, disk.id, top, taken);
    const updated = deps.vms.update(vmId, { disks: vm.disks.map((x) => (x.id === disk.id ? { ...x, imageId: next.id } : x)) });
    deps.events.emit({ type: 'images.changed' });
    return d.publish(updated);
  });
}

export function snapshotOrJob(
  d: DisksDeps,
  vmId: string,
  diskId: string,
  body: { name: string; description?: string },
): Promise<{ vm: Vm } | { job: Job }> {
  const peek = diskOf(d, vmId, diskId);
  const top = d.deps.images.get(peek.disk.imageId);
  if (!top || !isCow(top)) return snapshot(d, vmId, diskId, body).then((vm) => ({ vm }));
  return d.lock.run(vmId, async () => {
    const { vm, disk } = diskOf(d, vmId, diskId);
    refuseWhileBusy(d, vm);
    const current = d.deps.images.get(disk.imageId)!;
    const taken = { name: body.name, description: body.description ?? '', takenAt: d.deps.now() };
    return { job: startCowSnapshot(d, vm, disk.id, current, taken, (v, id, on) => freshTop(d, v, id, on)) };
  });
}

/** The layers a revert to `imageId` discards, once it is known that none is shared, half-merged or stood on. */
function layersToDiscard(d: DisksDeps, vm: VmRecord, disk: VmRecord['disks'][number], imageId: string) {
  const { images } = d.deps;
  const all = images.list();
  const chain = chainOf(disk.imageId, new Map(all.map((i) => [i.id, i])));
  const at = chain.findIndex((l) => l.id === imageId);
  if (at <= 0)
    throw invalid(
      'body.imageId',
      at === 0 ? 'that is the current top layer already' : `image ${imageId} is not below disk ${disk.id}'s top layer`,
    );
  const unfinished = chain[at]!.mergingInto;
  if (unfinished)
    throw conflict(
      'merge_unfinished',
      `${chain[at]!.name} holds part of a commit of ${images.get(unfinished)?.name ?? unfinished} that did not finish; merge again to finish it`,
    );
  const discard = chain.slice(0, at);
  const foreign = discard.find((l) => l.ownerVmId !== vm.id);
  if (foreign) throw conflict('image_shared', `layer ${foreign.name} is not this VM's own; it cannot be discarded`);
  const discardIds = new Set(discard.map((l) => l.id));
  const dependent = all.find((i) => i.parentId && discardIds.has(i.parentId) && !discardIds.has(i.id));
  if (dependent) throw conflict('image_in_use', `layer ${dependent.name} stands on a layer that would be discarded`);
  return { discard, target: chain[at]! };
}

export function revert(d: DisksDeps, vmId: string, diskId: string, imageId: string): Promise<Vm> {
  const { deps } = d;
  return d.lock.run(vmId, async () => {
    const { vm, disk } = diskOf(d, vmId, diskId);
    refuseWhileBusy(d, vm);
    if (isActive(vm.state))
      throw conflict('requires_stop', 'stop the VM before reverting its disk: the running guest holds the layers being discarded');
    const { discard, target } = layersToDiscard(d, vm, disk, imageId);
    const fresh = await freshTop(d, vm, disk.id, target);
    const updated = deps.vms.update(vmId, { disks: vm.disks.map((x) => (x.id === disk.id ? { ...x, imageId: fresh.id } : x)) });
    for (const layer of discard) {
      deps.images.remove(layer.id);
      await deps.files.removeFile(layer.path);
    }
    deps.events.emit({ type: 'images.changed' });
    return d.publish(updated);
  });
}

export function createVmDisks(d: DisksDeps): VmDisks {
  return {
    snapshot: (vmId, diskId, body) => snapshot(d, vmId, diskId, body),
    snapshotOrJob: (vmId, diskId, body) => snapshotOrJob(d, vmId, diskId, body),
    revert: (vmId, diskId, imageId) => revert(d, vmId, diskId, imageId),
    add: (vmId, body) => addDisk(d, vmId, body),
    remove: (vmId, diskId, layers) => removeDisk(d, vmId, diskId, layers),
    grow: (vmId, diskId, sizeBytes) => growDisk(d, vmId, diskId, sizeBytes),
  };
}
