import type { Vm } from '@strata/contract';
import { conflict, invalid } from './errors.js';
import { chainOf } from './image-chain.js';
import { createCowLayer, createLayer } from './layers.js';
import type { ImageRecord, VmRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { isActive } from './vm-state.js';

/** Snapshots and reverts of a VM's disks: shared backing files under private writable layers. */
export interface VmDisks {
  /**
   * Freezes the disk's top layer as the snapshot and continues on a new one: offline, or live
   * where the hypervisor can (QEMU's blockdev-snapshot-sync), so the guest never stops.
   */
  snapshot(vmId: string, diskId: string, body: { name: string; description?: string }): Promise<Vm>;
  /** Discards the layers above `imageId` in the disk's chain and starts a fresh top on it. */
  revert(vmId: string, diskId: string, imageId: string): Promise<Vm>;
}

export type DisksDeps = Pick<VmContext, 'deps' | 'lock' | 'mustGet' | 'publish' | 'liveOf' | 'busy' | 'driverFor'>;

/** A UML COW cannot stand on a COW (its backing must be a plain file): its layers are kept and snapshotted differently. */
const cowLayers = (d: DisksDeps, vm: VmRecord) => d.driverFor(vm).rules.disk.layerFormat === 'uml-cow';

export function createVmDisks(ctx: DisksDeps): VmDisks {
  const { deps, lock, mustGet, publish } = ctx;
  const { vms, images } = deps;

  const diskOf = (vmId: string, diskId: string) => {
    const vm = mustGet(vmId);
    const disk = vm.disks.find((d) => d.id === diskId);
    if (!disk) throw invalid('params.disk', `VM '${vm.name}' has no disk '${diskId}'`);
    return { vm, disk };
  };

  const freshCow = (vm: VmRecord, diskId: string, on: ImageRecord) =>
    createCowLayer(deps, on, { name: `${vm.name}-${diskId}`, ownerVmId: vm.id, path: (id) => `${deps.vmDir(vm.id)}/disks/${id}.cow` });

  /**
   * A COW cannot stand on a COW (its backing must be a plain file), so a UML snapshot is the COW
   * merged with its backing into a new plain file (uml_moo, verified), kept read-only; the VM goes
   * on with a fresh COW on it. It costs a full copy of the disk; in the forest it stands on the
   * backing it came from.
   */
  const snapshotUml = async (
    vm: VmRecord,
    diskId: string,
    top: ImageRecord,
    snapshot: NonNullable<ImageRecord['snapshot']>,
  ): Promise<ImageRecord> => {
    if (isActive(vm.state))
      throw conflict('requires_stop', 'UML snapshots are taken offline: uml_moo merges the COW into a new plain file; stop the VM first');
    if (top.pendingFirstUse)
      throw conflict('nothing_to_snapshot', 'the COW file does not exist yet: the disk is still its base, unchanged');
    const parent = images.get(top.parentId!)!;
    const id = deps.newId();
    const target = deps.files.pathFor(id, 'raw');
    const tmp = `${target}.snapshot.tmp`;
    try {
      await deps.files.umlMerge(top.path, parent.path, tmp, { onProgress: () => undefined, signal: new AbortController().signal });
      const wrong = await deps.files.verifyUmlMerge(top.path, parent.path, tmp);
      if (wrong) throw new Error(`the snapshot failed verification: ${wrong}`);
      await deps.files.sync(tmp);
      await deps.files.rename(tmp, target);
      await deps.files.sync(target);
    } catch (err) {
      await deps.files.removeFile(tmp);
      throw err;
    }
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
    images.insert(frozen);
    const next = await freshCow(vm, diskId, frozen);
    images.remove(top.id);
    await deps.files.removeFile(top.path);
    return next;
  };

  return {
    async snapshot(vmId: string, diskId: string, body: { name: string; description?: string }): Promise<Vm> {
      return lock.run(vmId, async () => {
        const { vm, disk } = diskOf(vmId, diskId);
        const busy = ctx.busy(vmId);
        if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy}`);
        const top = images.get(disk.imageId)!;
        const snapshot = { name: body.name, description: body.description ?? '', takenAt: deps.now() };
        const running = isActive(vm.state) ? ctx.liveOf(vm) : undefined;
        let next: ImageRecord;
        if (cowLayers(ctx, vm)) {
          next = await snapshotUml(vm, disk.id, top, snapshot);
        } else {
          const liveDisks = running?.handle.liveDisks;
          if (running && !liveDisks) throw conflict('requires_stop', 'this VM cannot snapshot a disk while running; stop it first');
          // Live, the hypervisor makes the overlay and reopens the old top read-only: the guest never stops.
          next = await createLayer(
            deps,
            top,
            { name: `${vm.name}-${disk.id}`, ownerVmId: vm.id },
            liveDisks && ((path) => liveDisks.snapshotDisk(disk.id, path)),
          );
          images.update(top.id, { snapshot, name: `${vm.name}-${disk.id}@${body.name}` });
        }
        const updated = vms.update(vmId, { disks: vm.disks.map((d) => (d.id === disk.id ? { ...d, imageId: next.id } : d)) });
        deps.events.emit({ type: 'images.changed' });
        return publish(updated);
      });
    },

    async revert(vmId: string, diskId: string, imageId: string): Promise<Vm> {
      return lock.run(vmId, async () => {
        const { vm, disk } = diskOf(vmId, diskId);
        const busy = ctx.busy(vmId);
        if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy}`);
        if (isActive(vm.state))
          throw conflict('requires_stop', 'stop the VM before reverting its disk: the running guest holds the layers being discarded');
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
        const fresh = cowLayers(ctx, vm)
          ? await freshCow(vm, disk.id, chain[at]!)
          : await createLayer(deps, chain[at]!, { name: `${vm.name}-${disk.id}`, ownerVmId: vm.id });
        const updated = vms.update(vmId, { disks: vm.disks.map((d) => (d.id === disk.id ? { ...d, imageId: fresh.id } : d)) });
        for (const layer of discard) {
          images.remove(layer.id);
          await deps.files.removeFile(layer.path);
        }
        deps.events.emit({ type: 'images.changed' });
        return publish(updated);
      });
    },
  };
}
