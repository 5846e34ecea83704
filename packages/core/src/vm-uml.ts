import type { UbdDevice, UmlAction, Vm } from '@strata/contract';
import { StrataError, conflict, invalid } from './errors.js';
import type { RunningVm } from './ports.js';
import type { VmContext } from './vm-context.js';

/** What only UML VMs have: the management console's actions and live scratch ubd disks. */
export function createVmUml(ctx: VmContext) {
  const { deps, lock, mustGet, liveOf, publish } = ctx;

  const umlHandle = (id: string): RunningVm & Required<Pick<RunningVm, 'mconsole'>> => {
    const vm = mustGet(id);
    if (vm.hypervisor !== 'uml') throw invalid('id', `VM '${vm.name}' is a QEMU VM; mconsole is UML's`, 'not_uml');
    const { handle } = liveOf(vm);
    if (!handle.mconsole) throw new StrataError('unavailable', 'no_mconsole', 'this VM has no management console');
    return handle as RunningVm & Required<Pick<RunningVm, 'mconsole'>>;
  };
  const failed = (err: unknown) => conflict('mconsole_refused', (err as Error).message);

  return {
    /** halt, reboot, cad (clean power-off in the default guest), sysrq <key>, stop and go. */
    async umlAction(id: string, body: UmlAction): Promise<{ reply: string; vm: Vm }> {
      return lock.run(id, async () => {
        const handle = umlHandle(id);
        if (body.action === 'sysrq' && !body.key) throw invalid('body.key', 'sysrq needs a key (see the sysrq h reply)');
        if (body.action !== 'sysrq' && body.key) throw invalid('body.key', `only sysrq takes a key, not ${body.action}`);
        if (body.action === 'halt') deps.vms.update(id, { stopRequested: true, state: 'stopping' });
        const command = body.action === 'sysrq' ? ['sysrq', body.key!] : [body.action];
        const reply = await handle.mconsole(command).catch((err) => {
          throw failed(err);
        });
        const state = body.action === 'stop' ? 'paused' : body.action === 'go' ? 'running' : null;
        const vm = state ? await publish(deps.vms.update(id, { state })) : await publish(mustGet(id));
        return { reply, vm };
      });
    },

    async ubdDevices(id: string): Promise<UbdDevice[]> {
      const handle = umlHandle(id);
      return handle.ubdDevices ? handle.ubdDevices() : [];
    },

    async addScratchDisk(id: string, sizeMiB: number): Promise<UbdDevice> {
      return lock.run(id, async () => {
        const handle = umlHandle(id);
        if (!handle.addScratchDisk) throw new StrataError('unavailable', 'no_hotplug', 'this VM cannot plug disks in live');
        return handle.addScratchDisk(sizeMiB).catch((err) => {
          throw failed(err);
        });
      });
    },

    async removeScratchDisk(id: string, device: string): Promise<void> {
      return lock.run(id, async () => {
        const handle = umlHandle(id);
        if (!handle.removeScratchDisk) throw new StrataError('unavailable', 'no_hotplug', 'this VM cannot unplug disks live');
        await handle.removeScratchDisk(device).catch((err) => {
          throw failed(err);
        });
      });
    },
  };
}
