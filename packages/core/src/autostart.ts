import type { Vm } from '@strata/contract';
import type { VmRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { isActive } from './vm-state.js';

/** The host's boot id now and the one Strata recorded when it last ran (null: it never did). */
export interface BootIds {
  current: string;
  recorded: string | null;
}

/** The host booted since Strata last ran: a recorded boot id that differs from today's. */
export const hostBooted = ({ current, recorded }: BootIds): boolean => recorded !== null && recorded !== current;

/** The VMs to start, oldest first (the order they were made in), each not running already. */
export const autostartOrder = (vms: VmRecord[]): VmRecord[] =>
  vms
    .filter((v) => v.autostart === true && !isActive(v.state))
    .sort((a, b) => (a.createdAt === b.createdAt ? a.name.localeCompare(b.name) : a.createdAt < b.createdAt ? -1 : 1));

export interface AutostartReport {
  started: string[];
  failed: { id: string; name: string; reason: string }[];
}

export interface Autostart {
  /**
   * After a host boot, starts every autostart VM one after another; a failure is logged, audited
   * and kept as the VM's warning, and the next VM is started all the same. Never rejects.
   */
  afterHostBoot(boot: BootIds): Promise<AutostartReport>;
}

export function createAutostart(
  d: Pick<VmContext, 'deps' | 'autostartFailures' | 'publish'>,
  start: (id: string) => Promise<Vm>,
): Autostart {
  return {
    async afterHostBoot(boot) {
      const report: AutostartReport = { started: [], failed: [] };
      if (!hostBooted(boot)) return report;
      const order = autostartOrder(d.deps.vms.list());
      d.deps.logger.info(
        { recordedBootId: boot.recorded, bootId: boot.current, vms: order.map((v) => v.name) },
        `the host booted since Strata last ran: starting ${order.length} autostart VM(s)`,
      );
      for (const vm of order) {
        try {
          await start(vm.id);
          d.autostartFailures.delete(vm.id);
          report.started.push(vm.id);
          d.deps.logger.info({ vmId: vm.id, vm: vm.name }, 'autostart: started');
          d.deps.audit?.({ action: 'vm.autostart', targetKind: 'vm', targetId: vm.id, detail: { bootId: boot.current } });
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          d.autostartFailures.set(vm.id, reason);
          report.failed.push({ id: vm.id, name: vm.name, reason });
          d.deps.logger.warn({ vmId: vm.id, vm: vm.name, err: reason }, 'autostart: the VM did not start');
          d.deps.audit?.({ action: 'vm.autostart.failed', targetKind: 'vm', targetId: vm.id, detail: { bootId: boot.current, reason } });
          const current = d.deps.vms.get(vm.id);
          if (current) await d.publish(current).catch(() => undefined);
        }
      }
      return report;
    },
  };
}
