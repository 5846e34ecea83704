import type { Pinning, VcpuInfo, Vm, VmCreate, VmPatch } from '@strata/contract';
import { StrataError, conflict, invalid, notAttached } from './errors.js';
import { pendingBetween, vcpusLive, withPending } from './vm-pending.js';
import type { VmRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { checkCdrom, checkCpuModel, checkMemoryDir, checkRootShare, hostLimits } from './vm-checks.js';
import { createVm, type InternalCreate } from './vm-create.js';
import { assertAction, isActive } from './vm-state.js';
import { validateForwards, validateMemory, validatePinning, validateTopology, validateVcpus, vcpuCount } from './vm-spec.js';

/** The VMs as records: listing, creating, changing and deleting them, their pinning and their log. */
export interface VmConfig {
  list(): Promise<Vm[]>;
  get(id: string): Promise<Vm>;
  /** `internal` is what only the server sets (a benchmark VM's agent), never the API's body. */
  create(body: VmCreate, internal?: InternalCreate): Promise<Vm>;
  /**
   * Everything changes while stopped. While running, what the hypervisor can change live changes
   * now and the rest is kept as `pending`, applied by the next start.
   */
  update(id: string, patch: VmPatch): Promise<Vm>;
  /** Forgets the changes waiting for the next start. */
  discardPending(id: string): Promise<Vm>;
  /** A stopped VM and its own layers (refused while another image stands on one of them). */
  remove(id: string): Promise<void>;
  logTail(id: string, lines?: number): Promise<string[]>;
  /** Each online vCPU's thread, its allowed host CPUs, and the CPU it last ran on. */
  vcpus(id: string): Promise<VcpuInfo[]>;
  setPinning(id: string, body: Pinning): Promise<VcpuInfo[]>;
}

export type ConfigDeps = Pick<
  VmContext,
  'deps' | 'lock' | 'publish' | 'mustGet' | 'toVm' | 'applyPinning' | 'live' | 'liveOf' | 'driverFor' | 'unattached' | 'busy'
>;

export async function listVms(d: ConfigDeps): Promise<Vm[]> {
  const host = await d.deps.host.info();
  return Promise.all(d.deps.vms.list().map((vm) => d.toVm(vm, host)));
}

/** Only what its hypervisor has may change at all; a VM between states takes no change. */
function checkPatchFits(d: ConfigDeps, vm: VmRecord, patch: VmPatch): void {
  if (isActive(vm.state)) assertAction('edit live', vm.state);
  if (patch.name !== undefined && patch.name !== vm.name && d.deps.vms.findByName(patch.name)) {
    throw conflict('name_taken', `a VM named '${patch.name}' exists already`);
  }
  d.driverFor(vm).rules.checkPatch(patch);
  checkMemoryDir(d, patch.umlMemoryDir, 'body.umlMemoryDir');
  checkRootShare(d, patch.umlRootShareId, 'body.umlRootShareId');
}

/** The record after the patch, every value checked. */
async function patchedRecord(
  d: ConfigDeps,
  vm: VmRecord,
  patch: VmPatch,
): Promise<Partial<VmRecord> & Pick<VmRecord, 'cpu' | 'vcpus' | 'pinning' | 'memoryMiB' | 'balloonMiB'>> {
  const cpu = patch.cpu ?? vm.cpu;
  validateTopology(cpu);
  const vcpus = patch.vcpus ?? (patch.cpu ? vcpuCount(cpu) : vm.vcpus);
  validateVcpus(vcpus, cpu);
  const memoryMiB = patch.memoryMiB ?? vm.memoryMiB;
  if (patch.memoryMiB !== undefined) validateMemory(memoryMiB, await hostLimits(d));
  const balloonMiB = patch.balloonMiB === undefined ? vm.balloonMiB : patch.balloonMiB;
  if (balloonMiB !== null && balloonMiB > memoryMiB)
    throw invalid('body.balloonMiB', `the balloon target ${balloonMiB} MiB is more than the VM's ${memoryMiB} MiB`);
  await checkCpuModel(d, patch.cpuModel, 'body.cpuModel');
  if (patch.network) validateForwards(patch.network.forwards);
  checkCdrom(d, patch.cdrom, 'body.cdrom');
  const disks = vm.disks.map((x) => ({ ...x }));
  patch.disks?.forEach((change, i) => {
    const disk = disks.find((x) => x.id === change.id);
    if (!disk) throw invalid(`body.disks.${i}.id`, `this VM has no disk '${change.id}'`);
    disk.bus = change.bus;
  });
  const pinning = { ...vm.pinning, vcpus: vm.pinning.vcpus.filter((p) => p.index < vcpuCount(cpu)) };
  return {
    ...(patch.name !== undefined && { name: patch.name }),
    cpu,
    vcpus,
    memoryMiB,
    balloonMiB,
    pinning,
    disks,
    ...(patch.cpuModel !== undefined && { cpuModel: patch.cpuModel }),
    ...(patch.accelerator !== undefined && { accelerator: patch.accelerator }),
    ...(patch.network !== undefined && { network: patch.network }),
    ...(patch.cdrom !== undefined && { cdrom: patch.cdrom }),
    ...(patch.boot !== undefined && { boot: patch.boot }),
    ...(patch.shutdownTimeoutSec !== undefined && { shutdownTimeoutSec: patch.shutdownTimeoutSec }),
    ...(patch.autostart !== undefined && { autostart: patch.autostart }),
    ...(patch.umlMemoryDir !== undefined && { umlMemoryDir: patch.umlMemoryDir }),
    ...(patch.umlRootShareId !== undefined && { umlRootShareId: patch.umlRootShareId }),
  };
}

/**
 * On a running VM: vCPUs plugged in (and pinned) and the balloon moved now; the name and the
 * shutdown timeout saved at once; whatever else differs from the running process kept as pending.
 */
async function applyRunning(
  d: ConfigDeps,
  vm: VmRecord,
  patch: VmPatch,
  next: Awaited<ReturnType<typeof patchedRecord>>,
): Promise<Partial<VmRecord>> {
  const { handle } = d.liveOf(vm);
  const vcpus = vcpusLive(vm, next, handle.vcpuHotplug !== undefined) ? next.vcpus : vm.vcpus;
  if (patch.balloonMiB !== undefined) {
    if (!handle.balloon) throw new StrataError('conflict', 'not_offered', "this VM's hypervisor has no memory balloon", 'body.balloonMiB');
    const target = next.balloonMiB ?? vm.memoryMiB;
    if (target > vm.memoryMiB)
      throw invalid(
        'body.balloonMiB',
        `the running guest has ${vm.memoryMiB} MiB; a balloon target of ${target} MiB can be set once the new memory size applies at the next start`,
      );
  }
  if (vcpus > vm.vcpus) {
    await handle.vcpuHotplug!.hotplugVcpus(vcpus);
    await d.applyPinning({ ...vm, pinning: next.pinning }, handle);
  }
  if (patch.balloonMiB !== undefined) await handle.balloon!.setBalloon((next.balloonMiB ?? vm.memoryMiB) * 1048576);
  const now = {
    ...vm,
    name: next.name ?? vm.name,
    vcpus,
    balloonMiB: next.balloonMiB,
    shutdownTimeoutSec: next.shutdownTimeoutSec ?? vm.shutdownTimeoutSec,
    autostart: next.autostart ?? vm.autostart,
  };
  return { ...now, pending: pendingBetween(now, next) };
}

export function updateVm(d: ConfigDeps, id: string, patch: VmPatch): Promise<Vm> {
  return d.lock.run(id, async () => {
    const vm = d.mustGet(id);
    checkPatchFits(d, vm, patch);
    // Edits build on what the next start will use, so a second edit keeps the first one's pending values.
    const next = await patchedRecord(d, withPending(vm), patch);
    const record = isActive(vm.state) ? await applyRunning(d, vm, patch, next) : { ...next, pending: null };
    return d.publish(d.deps.vms.update(id, record));
  });
}

export function discardPending(d: ConfigDeps, id: string): Promise<Vm> {
  return d.lock.run(id, async () => {
    d.mustGet(id);
    return d.publish(d.deps.vms.update(id, { pending: null }));
  });
}

export async function removeVm(d: ConfigDeps, id: string): Promise<void> {
  const { deps } = d;
  await d.lock.run(id, async () => {
    const vm = d.mustGet(id);
    assertAction('delete', vm.state);
    // A job reading its layers (a full clone's copy) would lose its source mid-way.
    const busy = d.busy(id);
    if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy}`);
    const all = deps.images.list();
    const own = all.filter((i) => i.ownerVmId === id);
    const ownIds = new Set(own.map((i) => i.id));
    const dependent = all.find((i) => i.parentId && ownIds.has(i.parentId) && !ownIds.has(i.id));
    if (dependent)
      throw conflict('image_in_use', `a layer of this VM is the base of image '${dependent.name}'; delete or merge that first`);
    for (const image of own) {
      await deps.files.removeFile(image.path);
      deps.images.remove(image.id);
    }
    deps.vms.remove(id);
    // Its console log, sockets and argv go too; nothing in it is followed out of it.
    const left = deps.removeVmDir?.(id) ?? [];
    if (left.length > 0) deps.logger.warn({ vmId: id, left }, 'parts of the deleted VM directory could not be removed');
    deps.events.emit({ type: 'vm.deleted', id });
    deps.events.emit({ type: 'images.changed' });
  });
}

export async function vcpuInfo(d: ConfigDeps, id: string): Promise<VcpuInfo[]> {
  d.mustGet(id);
  const entry = d.live.get(id);
  if (!entry) return [];
  const threads = await entry.handle.vcpuThreads();
  return threads.map((t) => ({ index: t.index, threadId: t.threadId, ...d.deps.affinity.get(entry.handle.pid, t.threadId) }));
}

export async function setPinning(d: ConfigDeps, id: string, body: Pinning): Promise<VcpuInfo[]> {
  await d.lock.run(id, async () => {
    const vm = d.mustGet(id);
    assertAction('pin', vm.state);
    // Saved pinning a running process never gets would say something untrue: refused until it is attached.
    const unattached = d.unattached.get(id);
    if (unattached) throw notAttached(vm, unattached);
    validatePinning(body.vcpus, vcpuCount(vm.cpu), (await hostLimits(d)).logicalCpus, body.emulatorCpus);
    const updated = d.deps.vms.update(id, { pinning: { vcpus: body.vcpus, emulatorCpus: body.emulatorCpus ?? null } });
    const entry = d.live.get(id);
    if (entry) await d.applyPinning(updated, entry.handle);
    await d.publish(updated);
  });
  return vcpuInfo(d, id);
}

export function createVmConfig(d: ConfigDeps): VmConfig {
  return {
    list: () => listVms(d),
    get: async (id) => d.toVm(d.mustGet(id)),
    create: (body, internal) => createVm(d, body, internal),
    update: (id, patch) => updateVm(d, id, patch),
    discardPending: (id) => discardPending(d, id),
    remove: (id) => removeVm(d, id),
    logTail: async (id, lines = 50) => {
      const vm = d.mustGet(id);
      return d.driverFor(vm).logTail(d.deps.vmDir(vm.id), lines);
    },
    vcpus: (id) => vcpuInfo(d, id),
    setPinning: (id, body) => setPinning(d, id, body),
  };
}
