import type { Vm, VmCreate } from '@strata/contract';
import { invalid, toolMessage } from './errors.js';
import { withNameReserved } from './image-locks.js';
import { createCowLayer, createLayer } from './layers.js';
import type { HypervisorDriver } from './ports.js';
import type { ImageRecord, VmRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { checkCdrom, checkCpuModel, checkMemoryDir, checkRootShare, hostLimits, resolveImage } from './vm-checks.js';
import { DEFAULT_HYPERVISOR, DEFAULT_PINNING, DEFAULT_SHUTDOWN_TIMEOUT_SEC } from './vm-defaults.js';
import { DEFAULT_MEMORY_MIB, validateMemory } from './vm-spec.js';

export type CreateDeps = Pick<VmContext, 'deps' | 'publish'>;

/** The new VM's writable top on its base: a qcow2 overlay, or a UML COW file its hypervisor makes on first use. */
function makeTop(d: CreateDeps, driver: HypervisorDriver, base: ImageRecord, vmId: string, name: string): Promise<ImageRecord> {
  const { deps } = d;
  const owner = { name: `${name}-disk0`, ownerVmId: vmId };
  const { layerFormat: format, madeAtFirstStart: pending } = driver.rules.disk;
  return pending
    ? createCowLayer(deps, base, { ...owner, format, path: (layerId) => `${deps.vmDir(vmId)}/disks/${layerId}.${pending.extension}` })
    : createLayer(deps, base, owner);
}

const GIB = 1024 ** 3;

/** The byte size to grow the new top to, or null to keep the base's; refused before anything is made. */
function checkDiskSize(diskSizeGiB: number | undefined, base: ImageRecord, cowAtFirstStart: boolean): number | null {
  if (diskSizeGiB === undefined) return null;
  if (cowAtFirstStart) throw invalid('body.diskSizeGiB', "this hypervisor's disk layer takes its size from the image it stands on");
  const bytes = diskSizeGiB * GIB;
  if (bytes < base.virtualSize)
    throw invalid('body.diskSizeGiB', `must be at least the image's size, ${Math.ceil(base.virtualSize / GIB)} GiB: disks only grow`);
  return bytes === base.virtualSize ? null : bytes;
}

/** qemu-img resize of the fresh overlay; on failure it is removed, so no layer is left without a VM. */
async function growTop(d: CreateDeps, top: ImageRecord, sizeBytes: number): Promise<void> {
  const { deps } = d;
  try {
    await deps.files.resize(top.path, top.format, sizeBytes);
    deps.images.update(top.id, { virtualSize: (await deps.files.inspect(top.path, top.format)).virtualSize });
  } catch (err) {
    deps.images.remove(top.id);
    await deps.files.removeFile(top.path);
    throw invalid('body.diskSizeGiB', `qemu-img could not grow the new disk: ${toolMessage(err)}`, 'tool_refused');
  }
}

/** What only the server sets on a new VM, never the API: `agent` marks a benchmark VM (LaunchPlan.agent). */
export interface InternalCreate {
  agent?: boolean;
  /** An id chosen by the caller, so it can write the id down (a benchmark's journal) before the VM exists. */
  id?: string;
}

/** A VM on its own top layer of a shared base, shaped and checked by its hypervisor's rules; every refusal names its field. */
export async function createVm(d: CreateDeps, body: VmCreate, internal: InternalCreate = {}): Promise<Vm> {
  const { deps } = d;
  const hypervisor = body.hypervisor ?? DEFAULT_HYPERVISOR;
  const driver = deps.drivers[hypervisor];
  if (!driver) throw invalid('body.hypervisor', `${hypervisor} VMs are not available on this server yet`);
  // The name is held until the record is in: a clone or create racing for it gets 409, not a UNIQUE failure.
  return withNameReserved(deps.vms, body.name, () => createNamed(d, driver, hypervisor, body, internal));
}

async function createNamed(
  d: CreateDeps,
  driver: HypervisorDriver,
  hypervisor: NonNullable<VmCreate['hypervisor']>,
  body: VmCreate,
  internal: InternalCreate,
): Promise<Vm> {
  const { deps } = d;
  const { rules } = driver;
  rules.checkCreate(body);
  const shape = rules.shape(body);
  const memoryMiB = body.memoryMiB ?? DEFAULT_MEMORY_MIB;
  validateMemory(memoryMiB, await hostLimits(d));
  await checkCpuModel(d, shape.cpuModel, 'body.cpuModel');
  checkCdrom(d, shape.cdrom, 'body.cdrom');
  checkMemoryDir(d, shape.umlMemoryDir, 'body.umlMemoryDir');
  checkRootShare(d, shape.umlRootShareId, 'body.umlRootShareId');
  const base = resolveImage(d, body.image ?? rules.disk.defaultImage(deps.defaultImage));
  if (base.format !== rules.disk.baseFormat) throw invalid('body.image', rules.disk.baseRefusal(base));

  const sizeBytes = checkDiskSize(body.diskSizeGiB, base, Boolean(rules.disk.madeAtFirstStart));

  const id = internal.id ?? deps.newId();
  const top = await makeTop(d, driver, base, id, body.name);
  if (sizeBytes !== null) await growTop(d, top, sizeBytes);
  const { bus, ...fixed } = shape;
  const record: VmRecord = {
    id,
    name: body.name,
    hypervisor,
    state: 'defined',
    imageId: base.id,
    ...fixed,
    pinning: DEFAULT_PINNING,
    memoryMiB,
    balloonMiB: null,
    runningAccelerator: null,
    disks: [{ id: 'disk0', imageId: top.id, bus }],
    shares: [],
    shutdownTimeoutSec: body.shutdownTimeoutSec ?? DEFAULT_SHUTDOWN_TIMEOUT_SEC,
    shutdownDeadline: null,
    pid: null,
    stopRequested: false,
    lastError: null,
    createdAt: deps.now(),
    startedAt: null,
    ...(internal.agent ? { agent: true } : {}),
  };
  deps.vms.insert(record);
  deps.events.emit({ type: 'images.changed' });
  return d.publish(record);
}
