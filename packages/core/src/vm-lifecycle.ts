import type { Accelerator, Vm } from '@strata/contract';
import { StrataError, conflict } from './errors.js';
import { chainOf } from './image-chain.js';
import { invalidImages } from './image-validity.js';
import { createVmShares } from './vm-shares.js';
import type { RunningVm } from './ports.js';
import type { VmRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { assertAction, isActive } from './vm-state.js';

export function createVmLifecycle(ctx: VmContext) {
  const { deps, live, lock, publish, mustGet, driverFor, liveOf, toVm, applyPinning } = ctx;
  const { vms, images } = deps;
  const shareOps = createVmShares(ctx);

  const pickAccelerator = async (vm: VmRecord): Promise<Accelerator> => {
    const { accelerator } = await deps.host.info();
    if (vm.accelerator === 'tcg') return 'tcg';
    if (vm.accelerator === 'kvm' && !accelerator.kvm.usable) {
      throw conflict('kvm_unusable', `this VM asks for KVM, but KVM is not usable here: ${accelerator.kvm.reason}`);
    }
    return vm.accelerator === 'kvm' ? 'kvm' : accelerator.selected;
  };

  const armShutdownTimer = (vm: VmRecord, entry: { handle: RunningVm; shutdownTimer?: NodeJS.Timeout }): void => {
    if (!vm.shutdownDeadline) return;
    const wait = Math.max(0, Date.parse(vm.shutdownDeadline) - Date.now());
    entry.shutdownTimer = setTimeout(() => void entry.handle.forceStop().catch(() => undefined), wait);
  };

  const watch = (vm: VmRecord, handle: RunningVm): void => {
    let release!: () => void;
    const exited = new Promise<void>((r) => (release = r));
    const entry = { handle, exited, shutdownTimer: undefined as NodeJS.Timeout | undefined };
    live.set(vm.id, entry);
    armShutdownTimer(vm, entry);
    handle.onExit((info) => {
      void (async () => {
        clearTimeout(entry.shutdownTimer);
        live.delete(vm.id);
        // virtiofsd exits with QEMU's connection; this makes sure, and clears sockets and pidfiles.
        await driverFor(vm)
          .cleanup(deps.vmDir(vm.id))
          .catch(() => undefined);
        const scrubProblems = shareOps.scrubAfterRun(vm);
        const current = vms.get(vm.id);
        if (current) {
          const clean = info.clean || current.stopRequested;
          const tail = clean ? [] : await handle.logTail(8);
          const lastError = clean ? scrubProblems.join('\n') || null : [info.reason, ...tail, ...scrubProblems].join('\n');
          await publish(
            vms.update(vm.id, {
              state: clean ? 'stopped' : 'crashed',
              pid: null,
              runningAccelerator: null,
              lastError,
              shutdownDeadline: null,
            }),
          );
        }
        release();
      })();
    });
  };

  /** Runs a QMP-level action on a running VM, under the VM's lock, and records the new state. */
  const control =
    (action: 'pause' | 'resume' | 'reset', next: VmRecord['state'] | null) =>
    (id: string): Promise<Vm> =>
      lock.run(id, async () => {
        const vm = mustGet(id);
        assertAction(action, vm.state);
        await liveOf(vm).handle[action]();
        return next ? publish(vms.update(id, { state: next })) : toVm(vm);
      });

  return {
    watch,

    async start(id: string): Promise<Vm> {
      return lock.run(id, async () => {
        const vm = mustGet(id);
        assertAction('start', vm.state);
        const busy = deps.busy(id);
        if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy}`);
        const driver = driverFor(vm);
        const accelerator = await pickAccelerator(vm);
        const all = images.list();
        const byId = new Map(all.map((i) => [i.id, i]));
        const invalid = invalidImages({
          images: all,
          exists: deps.files.exists,
          fingerprint: deps.files.fingerprint,
          cowHeader: deps.files.cowHeader,
        });
        const disks = vm.disks.map((disk) => {
          const chain = chainOf(disk.imageId, byId);
          const broken = chain.find((layer) => invalid.has(layer.id));
          if (broken)
            throw conflict(
              'image_invalid',
              `disk ${disk.id} cannot boot: layer ${broken.name} is invalid because ${invalid.get(broken.id)}`,
            );
          const missing = chain.find((layer) => !layer.pendingFirstUse && !deps.files.exists(layer.path));
          const umlChain = chain.some((layer) => layer.format === 'uml-cow');
          if (umlChain !== (vm.hypervisor === 'uml')) {
            throw conflict(
              'image_mismatch',
              `disk ${disk.id}: ${umlChain ? 'a UML COW chain cannot boot a QEMU VM' : 'a UML VM boots from a raw base under a UML COW layer'}`,
            );
          }
          if (chain.length === 0 || missing) {
            throw conflict('image_missing', `disk ${disk.id}: layer file ${missing?.path ?? disk.imageId} is missing`);
          }
          const writers = vms.list().filter((o) => o.id !== id && isActive(o.state) && o.disks.some((d) => d.imageId === disk.imageId));
          if (writers.length > 0) {
            throw conflict(
              'image_busy',
              `disk ${disk.id} is already written by running VM '${writers[0]!.name}'; two writers corrupt a file system`,
            );
          }
          return { disk, chain };
        });
        const boot = disks[0] ? ctx.bootOf(disks[0].disk.imageId) : null;
        const shares = shareOps.sharesForLaunch(vm);
        const umlRoot = shareOps.rootForLaunch(vm);
        const cdrom = vm.cdrom ? images.get(vm.cdrom) : undefined;
        if (vm.cdrom && (!cdrom || !deps.files.exists(cdrom.path)))
          throw conflict('image_missing', `the CD-ROM image ${vm.cdrom} is missing`);
        await publish(
          vms.update(id, {
            state: 'starting',
            stopRequested: false,
            lastError: null,
            shutdownDeadline: null,
            shares: vm.shares.map((s) => ({ ...s, pending: false })),
          }),
        );
        let handle: RunningVm;
        try {
          handle = await driver.launch({
            vm,
            accelerator,
            boot,
            dir: deps.vmDir(id),
            cdrom: cdrom?.path ?? null,
            shares,
            umlRoot,
            disks: disks.map(({ disk, chain }) => ({
              id: disk.id,
              path: chain[0]!.path,
              format: chain[0]!.format,
              bus: disk.bus,
              ...(chain[0]!.format === 'uml-cow' && chain[1] ? { backing: chain[1].path } : {}),
            })),
          });
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          await publish(vms.update(id, { state: 'stopped', pid: null, lastError: `start failed: ${message}` }));
          throw new StrataError('unavailable', 'start_failed', `the VM did not start: ${message}`);
        }
        watch(vm, handle);
        // UML makes its COW files on first use: from now on they are real layers.
        const made = disks.filter(({ chain }) => chain[0]!.pendingFirstUse && deps.files.exists(chain[0]!.path));
        // Its header recorded the backing file as it is now; so does the fingerprint.
        for (const { chain } of made)
          images.update(chain[0]!.id, { pendingFirstUse: false, parentFingerprint: deps.files.fingerprint(chain[1]!.path) });
        if (made.length > 0) deps.events.emit({ type: 'images.changed' });
        await applyPinning(vm, handle);
        if (vm.balloonMiB !== null && vm.balloonMiB < vm.memoryMiB) await handle.setBalloon(vm.balloonMiB * 1048576);
        return publish(vms.update(id, { state: 'running', pid: handle.pid, runningAccelerator: accelerator, startedAt: deps.now() }));
      });
    },

    /** Forced stop: QMP quit, then SIGKILL. */
    async stop(id: string): Promise<Vm> {
      return lock.run(id, async () => {
        const vm = mustGet(id);
        assertAction('stop', vm.state);
        const entry = live.get(id);
        await publish(vms.update(id, { state: 'stopping', stopRequested: true }));
        if (entry) {
          await entry.handle.forceStop();
          await entry.exited;
        } else {
          await publish(vms.update(id, { state: 'stopped', pid: null, runningAccelerator: null, shutdownDeadline: null }));
        }
        return toVm(mustGet(id));
      });
    },

    /** Graceful: the ACPI power button now, a forced stop when the deadline (shown to the user) passes. */
    async shutdown(id: string): Promise<Vm> {
      return lock.run(id, async () => {
        const vm = mustGet(id);
        assertAction('shutdown', vm.state);
        const entry = liveOf(vm);
        if (vm.state === 'paused') await entry.handle.resume(); // a paused guest cannot hear the button
        const deadline = new Date(Date.now() + vm.shutdownTimeoutSec * 1000).toISOString();
        const updated = vms.update(id, { state: 'stopping', stopRequested: true, shutdownDeadline: deadline });
        await entry.handle.powerdown();
        armShutdownTimer(updated, entry);
        return publish(updated);
      });
    },

    pause: control('pause', 'paused'),
    resume: control('resume', 'running'),
    reset: control('reset', null),

    /** After a server restart: find every VM that was running and take control of it again. */
    async reattachAll(): Promise<void> {
      for (const vm of vms.list().filter((v) => isActive(v.state))) {
        const handle = await driverFor(vm)
          .reattach(vm, deps.vmDir(vm.id))
          .catch(() => null);
        if (handle) {
          watch(vm, handle);
          if (vm.state === 'starting') await publish(vms.update(vm.id, { state: 'running', pid: handle.pid }));
          if (vm.state === 'stopping' && !vm.shutdownDeadline) await handle.forceStop();
          continue;
        }
        const tail = await driverFor(vm).logTail(deps.vmDir(vm.id), 8);
        await driverFor(vm)
          .cleanup(deps.vmDir(vm.id))
          .catch(() => undefined);
        shareOps.scrubAfterRun(vm);
        const lastError = vm.stopRequested ? null : ['the VM exited while the server was not running', ...tail].join('\n');
        vms.update(vm.id, {
          state: vm.stopRequested ? 'stopped' : 'crashed',
          pid: null,
          runningAccelerator: null,
          lastError,
          shutdownDeadline: null,
        });
      }
    },

    detachAll(): void {
      for (const entry of live.values()) {
        clearTimeout(entry.shutdownTimer);
        entry.handle.detach();
      }
      live.clear();
    },
  };
}
