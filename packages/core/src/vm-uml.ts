import type { UbdDevice, UmlAction, Vm } from '@strata/contract';
import { StrataError, conflict, invalid } from './errors.js';
import type { UmlControl } from './ports.js';
import type { VmContext } from './vm-context.js';

/** What only VMs with a management console have (UML's mconsole): its actions and live scratch ubd disks. */
export interface VmUml {
  /** halt, reboot, cad (clean power-off in the default guest), sysrq <key>, stop and go. */
  umlAction(id: string, body: UmlAction): Promise<{ reply: string; vm: Vm }>;
  ubdDevices(id: string): Promise<UbdDevice[]>;
  addScratchDisk(id: string, sizeMiB: number): Promise<UbdDevice>;
  removeScratchDisk(id: string, device: string): Promise<void>;
}

export type UmlDeps = Pick<VmContext, 'deps' | 'lock' | 'mustGet' | 'liveOf' | 'publish' | 'driverFor'>;

/** The running VM's console facet; a VM whose hypervisor has none is refused before its state is looked at. */
function consoleOf(d: UmlDeps, id: string): UmlControl {
  const vm = d.mustGet(id);
  const driver = d.driverFor(vm);
  if (!driver.capabilities.mconsole) throw invalid('id', `VM '${vm.name}' is a ${driver.label} VM; mconsole is UML's`, 'not_uml');
  const { handle } = d.liveOf(vm);
  if (!handle.uml) throw new StrataError('unavailable', 'no_mconsole', 'this VM has no management console');
  return handle.uml;
}

const refused = (err: unknown) => conflict('mconsole_refused', (err as Error).message);

export function umlAction(d: UmlDeps, id: string, body: UmlAction): Promise<{ reply: string; vm: Vm }> {
  return d.lock.run(id, async () => {
    const uml = consoleOf(d, id);
    if (body.action === 'sysrq' && !body.key) throw invalid('body.key', 'sysrq needs a key (see the sysrq h reply)');
    if (body.action !== 'sysrq' && body.key) throw invalid('body.key', `only sysrq takes a key, not ${body.action}`);
    if (body.action === 'halt') d.deps.vms.update(id, { stopRequested: true, state: 'stopping' });
    const command = body.action === 'sysrq' ? ['sysrq', body.key!] : [body.action];
    const reply = await uml.mconsole(command).catch((err) => {
      throw refused(err);
    });
    const state = body.action === 'stop' ? 'paused' : body.action === 'go' ? 'running' : null;
    const vm = state ? await d.publish(d.deps.vms.update(id, { state })) : await d.publish(d.mustGet(id));
    return { reply, vm };
  });
}

export function createVmUml(d: UmlDeps): VmUml {
  return {
    umlAction: (id, body) => umlAction(d, id, body),
    ubdDevices: async (id) => consoleOf(d, id).ubdDevices(),
    addScratchDisk: (id, sizeMiB) =>
      d.lock.run(id, () =>
        consoleOf(d, id)
          .addScratchDisk(sizeMiB)
          .catch((err) => {
            throw refused(err);
          }),
      ),
    removeScratchDisk: (id, device) =>
      d.lock.run(id, () =>
        consoleOf(d, id)
          .removeScratchDisk(device)
          .catch((err) => {
            throw refused(err);
          }),
      ),
  };
}
