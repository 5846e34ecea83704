import type { Accelerator, Vm } from '@strata/contract';
import { REATTACH_RETRY_MS, StrataError, conflict, notAttached } from './errors.js';
import { chainOf } from './image-chain.js';
import { invalidImages } from './image-validity.js';
import type { ExitInfo, HypervisorDriver, LaunchDisk, RunningVm } from './ports.js';
import type { ImageRecord, VmRecord } from './records.js';
import type { ShareLaunch } from './share-launch.js';
import type { Live, VmContext } from './vm-context.js';
import { assertAction, isActive } from './vm-state.js';
import { withPending } from './vm-pending.js';
import { superviseShareDaemons } from './share-supervision.js';

/** Starting, stopping and controlling VMs, and taking them back after a server restart. */
export interface VmLifecycle {
  start(id: string): Promise<Vm>;
  /** Forced stop: the process is ended at once. */
  stop(id: string): Promise<Vm>;
  /** Graceful: the guest is asked to power off; a forced stop follows when the deadline (shown to the user) passes. */
  shutdown(id: string): Promise<Vm>;
  /**
   * A graceful shutdown (forced when the shutdown timeout passes, as shutdown is), then a start:
   * the changes kept as pending apply. Resolves once the VM runs again.
   */
  restart(id: string): Promise<Vm>;
  pause(id: string): Promise<Vm>;
  resume(id: string): Promise<Vm>;
  reset(id: string): Promise<Vm>;
  /** After a server restart: find every VM that was running and take control of it again. */
  reattachAll(): Promise<void>;
  /** Lets go of every VM without stopping it (server shutdown). */
  detachAll(): void;
}

/** What the lifecycle's steps reach: the shared context and what a start does with shares. */
export interface LifecycleDeps extends Pick<
  VmContext,
  'deps' | 'live' | 'unattached' | 'lock' | 'publish' | 'toVm' | 'mustGet' | 'driverFor' | 'liveOf' | 'busy' | 'applyPinning' | 'bootOf'
> {
  shares: ShareLaunch;
  /** The next reattach of each VM whose process runs but refused one. */
  retries: Map<string, NodeJS.Timeout>;
}

export async function pickAccelerator(d: Pick<LifecycleDeps, 'deps'>, vm: VmRecord): Promise<Accelerator> {
  const { accelerator } = await d.deps.host.info();
  if (vm.accelerator === 'tcg') return 'tcg';
  if (vm.accelerator === 'kvm' && !accelerator.kvm.usable) {
    throw conflict('kvm_unusable', `this VM asks for KVM, but KVM is not usable here: ${accelerator.kvm.reason}`);
  }
  return vm.accelerator === 'kvm' ? 'kvm' : accelerator.selected;
}

/** Each disk's chain, top first, once every layer is valid, present, of the driver's kind and written by no other VM. */
export function bootableChains(d: Pick<LifecycleDeps, 'deps'>, vm: VmRecord, driver: HypervisorDriver) {
  const { deps } = d;
  const all = deps.images.list();
  const byId = new Map(all.map((i) => [i.id, i]));
  const invalid = invalidImages({
    images: all,
    exists: deps.files.exists,
    fingerprint: deps.files.fingerprint,
    cowHeader: deps.files.cowHeader,
    openProblem: deps.files.openProblem,
  });
  return vm.disks.map((disk) => {
    const chain = chainOf(disk.imageId, byId);
    const broken = chain.find((layer) => invalid.has(layer.id));
    if (broken)
      throw conflict('image_invalid', `disk ${disk.id} cannot boot: layer ${broken.name} is invalid because ${invalid.get(broken.id)}`);
    const missing = chain.find((layer) => !layer.pendingFirstUse && !deps.files.exists(layer.path));
    if (!driver.rules.disk.bootsChain(chain.map((layer) => layer.format)))
      throw conflict('image_mismatch', `disk ${disk.id}: ${driver.rules.disk.foreignChain}`);
    if (chain.length === 0 || missing) {
      throw conflict('image_missing', `disk ${disk.id}: layer file ${missing?.path ?? disk.imageId} is missing`);
    }
    const writers = deps.vms.list().filter((o) => o.id !== vm.id && isActive(o.state) && o.disks.some((x) => x.imageId === disk.imageId));
    if (writers.length > 0) {
      throw conflict(
        'image_busy',
        `disk ${disk.id} is already written by running VM '${writers[0]!.name}'; two writers corrupt a file system`,
      );
    }
    return { disk, chain };
  });
}

/** A file-format rule: a UML COW's backing is named on the command line (ubdN=COW,BACKING); other formats name their own. */
const launchDisk = ({ disk, chain }: { disk: VmRecord['disks'][number]; chain: ImageRecord[] }): LaunchDisk => ({
  id: disk.id,
  path: chain[0]!.path,
  format: chain[0]!.format,
  bus: disk.bus,
  ...(chain[0]!.format === 'uml-cow' && chain[1] ? { backing: chain[1].path } : {}),
});

function armShutdownTimer(vm: VmRecord, entry: Live): void {
  if (!vm.shutdownDeadline) return;
  const wait = Math.max(0, Date.parse(vm.shutdownDeadline) - Date.now());
  entry.shutdownTimer = setTimeout(() => void entry.handle.forceStop().catch(() => undefined), wait);
}

/** The process ended: its helpers are cleaned up, its shares scrubbed, and the VM is stopped or crashed. */
export async function recordExit(d: LifecycleDeps, vm: VmRecord, handle: RunningVm, info: ExitInfo): Promise<void> {
  const { deps } = d;
  // virtiofsd exits with QEMU's connection; this makes sure, and clears sockets and pidfiles.
  await d
    .driverFor(vm)
    .cleanup(deps.vmDir(vm.id))
    .catch(() => undefined);
  const scrubProblems = d.shares.scrubAfterRun(vm);
  const current = deps.vms.get(vm.id);
  if (!current) return;
  const clean = info.clean || current.stopRequested;
  const tail = clean ? [] : await handle.logTail(8);
  const lastError = clean ? scrubProblems.join('\n') || null : [info.reason, ...tail, ...scrubProblems].join('\n');
  await d.publish(
    deps.vms.update(vm.id, {
      // No process holds the old settings any more: what waited for the next start is the VM's now.
      ...pendingApplied(deps.vms.get(vm.id) ?? current),
      state: clean ? 'stopped' : 'crashed',
      pid: null,
      runningAccelerator: null,
      lastError,
      shutdownDeadline: null,
    }),
  );
}

/** The record's fields once its pending changes are applied, or nothing when there are none. */
function pendingApplied(vm: VmRecord): Partial<VmRecord> {
  if (!vm.pending) return {};
  const { cpu, vcpus, cpuModel, memoryMiB, accelerator, disks, cdrom, network, boot, umlMemoryDir, umlRootShareId, pinning } =
    withPending(vm);
  return {
    cpu,
    vcpus,
    cpuModel,
    memoryMiB,
    accelerator,
    disks,
    cdrom,
    network,
    boot,
    umlMemoryDir,
    umlRootShareId,
    pinning,
    pending: null,
  };
}

/** Holds the VM's process and records how it ends. */
export function watch(d: LifecycleDeps, vm: VmRecord, handle: RunningVm): void {
  let release!: () => void;
  const exited = new Promise<void>((r) => (release = r));
  const entry: Live = { handle, exited };
  d.live.set(vm.id, entry);
  d.unattached.delete(vm.id);
  superviseShareDaemons(d, vm.id, entry);
  armShutdownTimer(vm, entry);
  handle.onExit((info) => {
    clearTimeout(entry.shutdownTimer);
    d.live.delete(vm.id);
    // Recording can fail (a damaged database row): said in the log, never an unhandled rejection that ends the server.
    void recordExit(d, vm, handle, info)
      .catch((err: unknown) => d.deps.logger.error({ vmId: vm.id, err: String(err) }, 'the end of the VM could not be recorded'))
      .finally(release);
  });
}

/** UML makes its COW files on first use: from now on they are real layers, fingerprinted as their header records the backing. */
function adoptFirstUseLayers(d: LifecycleDeps, disks: { chain: ImageRecord[] }[]): void {
  const { deps } = d;
  const made = disks.filter(({ chain }) => chain[0]!.pendingFirstUse && deps.files.exists(chain[0]!.path));
  for (const { chain } of made)
    deps.images.update(chain[0]!.id, { pendingFirstUse: false, parentFingerprint: deps.files.fingerprint(chain[1]!.path) });
  if (made.length > 0) deps.events.emit({ type: 'images.changed' });
}

export function start(d: LifecycleDeps, id: string): Promise<Vm> {
  const { deps } = d;
  return d.lock.run(id, async () => {
    assertAction('start', d.mustGet(id).state);
    // Left over when the server was down as the VM ended: applied now, before anything reads the record.
    const vm = d.mustGet(id).pending ? deps.vms.update(id, pendingApplied(d.mustGet(id))) : d.mustGet(id);
    const busy = d.busy(id);
    if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy}`);
    const driver = d.driverFor(vm);
    const accelerator = await pickAccelerator(d, vm);
    const disks = bootableChains(d, vm, driver);
    const boot = disks[0] ? d.bootOf(disks[0].disk.imageId) : null;
    const shares = d.shares.sharesForLaunch(vm);
    const umlRoot = d.shares.rootForLaunch(vm);
    const cdrom = vm.cdrom ? deps.images.get(vm.cdrom) : undefined;
    if (vm.cdrom && (!cdrom || !deps.files.exists(cdrom.path))) throw conflict('image_missing', `the CD-ROM image ${vm.cdrom} is missing`);
    await d.publish(
      deps.vms.update(id, {
        state: 'starting',
        stopRequested: false,
        lastError: null,
        shutdownDeadline: null,
        shares: vm.shares.map((s) => ({ ...s, pending: false })),
      }),
    );
    let handle: RunningVm;
    try {
      const plan = {
        vm,
        accelerator,
        boot,
        dir: deps.vmDir(id),
        cdrom: cdrom?.path ?? null,
        shares,
        umlRoot,
        disks: disks.map(launchDisk),
        agent: vm.agent === true,
      };
      handle = await driver.launch(plan);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await d.publish(deps.vms.update(id, { state: 'stopped', pid: null, lastError: `start failed: ${message}` }));
      throw new StrataError('unavailable', 'start_failed', `the VM did not start: ${message}`);
    }
    watch(d, vm, handle);
    adoptFirstUseLayers(d, disks);
    await d.applyPinning(vm, handle);
    if (vm.balloonMiB !== null && vm.balloonMiB < vm.memoryMiB) await handle.balloon?.setBalloon(vm.balloonMiB * 1048576);
    return d.publish(deps.vms.update(id, { state: 'running', pid: handle.pid, runningAccelerator: accelerator, startedAt: deps.now() }));
  });
}

export function stop(d: LifecycleDeps, id: string): Promise<Vm> {
  const { vms } = d.deps;
  return d.lock.run(id, async () => {
    const vm = d.mustGet(id);
    assertAction('stop', vm.state);
    const entry = d.live.get(id);
    // A process Strata could not attach to still runs: calling it stopped would lose it.
    const unattached = d.unattached.get(id);
    if (!entry && unattached) throw notAttached(vm, unattached);
    await d.publish(vms.update(id, { state: 'stopping', stopRequested: true }));
    if (entry) {
      await entry.handle.forceStop();
      await entry.exited;
    } else {
      await d.publish(vms.update(id, { state: 'stopped', pid: null, runningAccelerator: null, shutdownDeadline: null }));
    }
    return d.toVm(d.mustGet(id));
  });
}

export function shutdown(d: LifecycleDeps, id: string): Promise<Vm> {
  return d.lock.run(id, async () => {
    const vm = d.mustGet(id);
    assertAction('shutdown', vm.state);
    const entry = d.liveOf(vm);
    if (vm.state === 'paused') await entry.handle.resume(); // a paused guest cannot hear the button
    const deadline = new Date(Date.now() + vm.shutdownTimeoutSec * 1000).toISOString();
    const updated = d.deps.vms.update(id, { state: 'stopping', stopRequested: true, shutdownDeadline: deadline });
    await entry.handle.powerdown();
    armShutdownTimer(updated, entry);
    return d.publish(updated);
  });
}

/**
 * The shutdown's own timer forces the stop when the guest does not power off in time; the start
 * waits for the process to be gone and its exit recorded (which applies the pending changes).
 */
export async function restart(d: LifecycleDeps, id: string): Promise<Vm> {
  const vm = d.mustGet(id);
  assertAction('restart', vm.state);
  const { exited } = d.liveOf(vm);
  await shutdown(d, id);
  await exited;
  return start(d, id);
}

/** Pause, resume or reset a running VM, under its lock, and record the new state. */
export function control(d: LifecycleDeps, action: 'pause' | 'resume' | 'reset', next: VmRecord['state'] | null, id: string): Promise<Vm> {
  return d.lock.run(id, async () => {
    const vm = d.mustGet(id);
    assertAction(action, vm.state);
    await d.liveOf(vm).handle[action]();
    return next ? d.publish(d.deps.vms.update(id, { state: next })) : d.toVm(vm);
  });
}

/**
 * One VM after a restart. Its process found: watched again. Gone: it crashed (or stopped, if asked
 * to) while the server was down, and what it left is cleaned up. Alive but not attachable (the
 * driver rejects): it is left exactly as it is, with a warning, and tried again every
 * REATTACH_RETRY_MS until it attaches or its process is gone, so its exit is never missed.
 */
export async function reattach(d: LifecycleDeps, vm: VmRecord): Promise<'attached' | 'gone' | 'unattached'> {
  const { deps } = d;
  const driver = d.driverFor(vm);
  let handle: RunningVm | null;
  try {
    handle = await driver.reattach(vm, deps.vmDir(vm.id));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const before = d.unattached.get(vm.id);
    d.unattached.set(vm.id, reason);
    // Said once, not every retry: only a new reason is news.
    if (before !== reason)
      deps.logger.warn({ vmId: vm.id, vm: vm.name, state: vm.state, err: reason }, 'could not attach to a running VM; left as it is');
    retryLater(d, vm.id);
    return 'unattached';
  }
  if (handle) {
    watch(d, vm, handle);
    if (vm.state === 'starting') await d.publish(deps.vms.update(vm.id, { state: 'running', pid: handle.pid }));
    if (vm.state === 'stopping' && !vm.shutdownDeadline) await handle.forceStop();
    return 'attached';
  }
  d.unattached.delete(vm.id);
  const tail = await driver.logTail(deps.vmDir(vm.id), 8);
  await driver.cleanup(deps.vmDir(vm.id)).catch(() => undefined);
  d.shares.scrubAfterRun(vm);
  const lastError = vm.stopRequested ? null : ['the VM exited while the server was not running', ...tail].join('\n');
  deps.vms.update(vm.id, {
    ...pendingApplied(vm),
    state: vm.stopRequested ? 'stopped' : 'crashed',
    pid: null,
    runningAccelerator: null,
    lastError,
    shutdownDeadline: null,
  });
  return 'gone';
}

function retryLater(d: LifecycleDeps, vmId: string): void {
  clearTimeout(d.retries.get(vmId));
  const timer = setTimeout(() => {
    void retryReattach(d, vmId).catch((err: unknown) =>
      d.deps.logger.warn({ vmId, err: err instanceof Error ? err.message : String(err) }, 'trying to attach to a running VM again failed'),
    );
  }, REATTACH_RETRY_MS);
  // A retry alone must not keep the server's process alive.
  timer.unref();
  d.retries.set(vmId, timer);
}

/** A retry: under the VM's lock, unless the VM is no longer one Strata should follow. */
async function retryReattach(d: LifecycleDeps, vmId: string): Promise<void> {
  d.retries.delete(vmId);
  const outcome = await d.lock.run(vmId, async () => {
    const vm = d.deps.vms.get(vmId);
    if (!vm || !isActive(vm.state) || d.live.has(vmId)) {
      d.unattached.delete(vmId);
      return null;
    }
    return reattach(d, vm);
  });
  if (outcome !== 'attached' && outcome !== 'gone') return;
  const vm = d.deps.vms.get(vmId);
  if (vm) await d.publish(vm);
  // Live merges whose recovery waited for this VM can now ask QEMU, or know it is gone.
  await d.deps.jobs.recover();
}

export async function reattachAll(d: LifecycleDeps): Promise<void> {
  for (const vm of d.deps.vms.list().filter((v) => isActive(v.state))) await reattach(d, vm);
}

export function detachAll(d: LifecycleDeps): void {
  for (const timer of d.retries.values()) clearTimeout(timer);
  d.retries.clear();
  for (const entry of d.live.values()) {
    clearTimeout(entry.shutdownTimer);
    entry.handle.detach();
  }
  d.live.clear();
}

export function createVmLifecycle(d: LifecycleDeps): VmLifecycle {
  return {
    start: (id) => start(d, id),
    stop: (id) => stop(d, id),
    shutdown: (id) => shutdown(d, id),
    restart: (id) => restart(d, id),
    pause: (id) => control(d, 'pause', 'paused', id),
    resume: (id) => control(d, 'resume', 'running', id),
    reset: (id) => control(d, 'reset', null, id),
    reattachAll: () => reattachAll(d),
    detachAll: () => detachAll(d),
  };
}
