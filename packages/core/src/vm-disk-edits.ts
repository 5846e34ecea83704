import type { DiskAdd, Vm } from '@strata/contract';
import { StrataError, conflict, invalid, toolMessage } from './errors.js';
import { chainOf } from './image-chain.js';
import { resizeImage } from './image-edits.js';
import type { ImageRecord, VmRecord } from './records.js';
import { assertShared } from './shared-image.js';
import { resolveImage } from './vm-checks.js';
import { diskOf, freshTop, refuseWhileBusy, type DisksDeps } from './vm-disks.js';
import { assertAction, isActive } from './vm-state.js';

/** Adding, removing and growing a VM's disks. */

/** QEMU takes many more; past this a VM is better served by fewer, larger disks, and UML counts ubd0 to ubd7. */
const MAX_DISKS = 8;

/** A hypervisor reads its disks' list at start: adding or removing one needs the VM stopped. */
function refuseWhileRunning(d: DisksDeps, vm: VmRecord, what: string): void {
  if (!isActive(vm.state)) return;
  const driver = d.driverFor(vm);
  const scratch = driver.capabilities.hotplug.scratchDisks ? '; a blank scratch disk can be plugged in live from the UML tab' : '';
  throw new StrataError(
    'conflict',
    'requires_stop',
    `${driver.label} reads its disks when the VM starts: stop VM '${vm.name}' to ${what}${scratch}`,
    'params.id',
  );
}

function busFor(d: DisksDeps, vm: VmRecord, asked: DiskAdd['bus']): VmRecord['disks'][number]['bus'] {
  const driver = d.driverFor(vm);
  const buses = driver.capabilities.diskBuses;
  if (asked === undefined) return vm.disks[0]?.bus ?? buses[0] ?? 'virtio';
  if (buses.length === 0) throw invalid('body.bus', `${driver.label} disks have no bus to choose`);
  if (!buses.includes(asked)) throw invalid('body.bus', `${driver.label} offers the buses ${buses.join(', ')}, not ${asked}`);
  return asked;
}

const freeDiskId = (vm: VmRecord) => {
  const taken = new Set(vm.disks.map((x) => x.id));
  let n = 0;
  while (taken.has(`disk${n}`)) n++;
  return `disk${n}`;
};

/** A blank base of the hypervisor's base format, this VM's own, recorded as qemu-img reads it. */
async function blankBase(d: DisksDeps, vm: VmRecord, diskId: string, sizeBytes: number): Promise<ImageRecord> {
  const { deps } = d;
  const format = d.driverFor(vm).rules.disk.baseFormat;
  const id = deps.newId();
  const path = deps.files.pathFor(id, format);
  try {
    await deps.files.createBlank(path, { format, sizeBytes });
  } catch (err) {
    await deps.files.removeFile(path);
    throw invalid('body.sizeBytes', `qemu-img refused to make the disk: ${toolMessage(err)}`, 'tool_refused');
  }
  const record: ImageRecord = {
    id,
    name: `${vm.name}-${diskId}`,
    path,
    format,
    parentId: null,
    virtualSize: (await deps.files.inspect(path, format)).virtualSize,
    protected: false,
    ownerVmId: vm.id,
    boot: null,
    parentFingerprint: null,
    invalidReason: null,
    snapshot: null,
    createdAt: deps.now(),
  };
  deps.images.insert(record);
  return record;
}

/** A shared image a new disk may stand on: never another VM's layer, and of the base format this hypervisor boots. */
function sharedBase(d: DisksDeps, vm: VmRecord, ref: string): ImageRecord {
  const image = resolveImage(d, ref);
  assertShared(d.deps.vms, image, 'body.image', 'snapshot or clone that VM instead');
  const rules = d.driverFor(vm).rules.disk;
  if (image.format !== rules.baseFormat) throw invalid('body.image', rules.baseRefusal(image));
  return image;
}

/**
 * A blank disk, or a new writable layer on a shared image (which stays shared and is only made
 * read-only, as every base is). A hypervisor that needs a layer over a plain base (UML's COW)
 * gets its blank disk as a base of the VM's own with that layer on it.
 */
export function addDisk(d: DisksDeps, vmId: string, body: DiskAdd): Promise<Vm> {
  const { deps } = d;
  return d.lock.run(vmId, async () => {
    const vm = d.mustGet(vmId);
    refuseWhileBusy(d, vm);
    refuseWhileRunning(d, vm, 'add a disk');
    if ((body.sizeBytes === undefined) === (body.image === undefined))
      throw invalid(
        body.image === undefined ? 'body.sizeBytes' : 'body.image',
        'give sizeBytes for a blank disk or image for a disk on a shared image, one of the two',
      );
    if (vm.disks.length >= MAX_DISKS) throw invalid('params.id', `VM '${vm.name}' has ${MAX_DISKS} disks, the most Strata gives one VM`);
    const bus = busFor(d, vm, body.bus);
    const diskId = freeDiskId(vm);
    const layeredBlank = d.driverFor(vm).rules.disk.madeAtFirstStart !== null;
    const top =
      body.image !== undefined
        ? await freshTop(d, vm, diskId, sharedBase(d, vm, body.image))
        : layeredBlank
          ? await freshTop(d, vm, diskId, await blankBase(d, vm, diskId, body.sizeBytes!))
          : await blankBase(d, vm, diskId, body.sizeBytes!);
    const updated = deps.vms.update(vmId, { disks: [...vm.disks, { id: diskId, imageId: top.id, bus }] });
    deps.events.emit({ type: 'images.changed' });
    return d.publish(updated);
  });
}

/**
 * The disk leaves the VM. Its own layers (its top and snapshots) are deleted, or kept as
 * standalone images; shared bases below always stay. The boot disk cannot go.
 */
export function removeDisk(d: DisksDeps, vmId: string, diskId: string, layers: 'delete' | 'keep'): Promise<Vm> {
  const { deps } = d;
  return d.lock.run(vmId, async () => {
    const { vm, disk } = diskOf(d, vmId, diskId);
    if (vm.disks[0]?.id === disk.id)
      throw invalid('params.disk', `${disk.id} is the boot disk: the VM starts from it; delete the VM instead`, 'boot_disk');
    refuseWhileBusy(d, vm);
    refuseWhileRunning(d, vm, 'remove a disk');
    const all = deps.images.list();
    const own = chainOf(disk.imageId, new Map(all.map((i) => [i.id, i]))).filter((l) => l.ownerVmId === vm.id);
    const ownIds = new Set(own.map((l) => l.id));
    const dependent = all.find((i) => i.parentId && ownIds.has(i.parentId) && !ownIds.has(i.id));
    const inVmDir = own.find((l) => l.path.startsWith(`${deps.vmDir(vm.id)}/`));
    if (layers === 'keep' && inVmDir)
      throw invalid(
        'query.layers',
        `${inVmDir.name} lives in the VM's own directory (a UML COW file), which goes when the VM is deleted: it cannot be kept as an image`,
      );
    if (layers === 'delete' && dependent)
      throw conflict(
        'image_in_use',
        `image '${dependent.name}' stands on a layer of ${disk.id}; keep the layers, or delete that image first`,
      );
    const updated = deps.vms.update(vmId, { disks: vm.disks.filter((x) => x.id !== disk.id) });
    for (const layer of own) {
      if (layers === 'keep') {
        deps.images.update(layer.id, { ownerVmId: null });
        continue;
      }
      deps.images.remove(layer.id);
      await deps.files.removeFile(layer.path);
    }
    deps.events.emit({ type: 'images.changed' });
    return d.publish(updated);
  });
}

/**
 * The disk's top layer grows; what lies below keeps its size (the guest reads zeros past it).
 * A running QEMU grows it live (block_resize); a stopped VM through qemu-img.
 */
export function growDisk(d: DisksDeps, vmId: string, diskId: string, sizeBytes: number): Promise<Vm> {
  const { deps } = d;
  return d.lock.run(vmId, async () => {
    const { vm, disk } = diskOf(d, vmId, diskId);
    refuseWhileBusy(d, vm);
    const top = deps.images.get(disk.imageId)!;
    if (top.format === 'uml-cow')
      throw invalid(
        'params.disk',
        'a UML COW file takes its size from its backing file, and UML refuses a COW whose backing changed size or mtime: a UML disk cannot grow; add a disk instead',
        'not_offered',
      );
    if (sizeBytes < top.virtualSize)
      throw invalid(
        'body.sizeBytes',
        `shrinking is refused: the guest's file systems reach to the end of ${disk.id} (${top.virtualSize} bytes), and cutting it cuts them`,
      );
    if (sizeBytes === top.virtualSize) throw invalid('body.sizeBytes', `${disk.id} is ${sizeBytes} bytes already`);
    if (isActive(vm.state)) {
      assertAction('edit live', vm.state);
      const live = d.liveOf(vm).handle.liveDisks;
      if (!live?.resizeDisk)
        throw new StrataError('conflict', 'requires_stop', `this VM cannot grow a disk while it runs; stop it first`, 'params.disk');
      await live.resizeDisk(disk.id, sizeBytes);
      deps.images.update(top.id, { virtualSize: sizeBytes });
      deps.events.emit({ type: 'images.changed' });
    } else {
      await resizeImage(deps, top.id, sizeBytes);
    }
    return d.publish(d.mustGet(vmId));
  });
}
