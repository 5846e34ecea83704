import type { Image, Vm } from '@strata/contract';
import { deletePlan } from '../../shared/vm-delete-plan';
import { isActive } from '../../shared/vm-state';

export type BulkAction = 'start' | 'shutdown' | 'stop' | 'delete';

export const BULK_LABELS: Record<BulkAction, string> = { start: 'Start', shutdown: 'Shut down', stop: 'Force stop', delete: 'Delete' };

/** Why this VM is left out of the action, or null when the action applies to it (the server's rules, said first). */
function skipReason(action: BulkAction, vm: Vm, images: Image[]): string | null {
  switch (action) {
    case 'start':
      return isActive(vm) ? `already ${vm.state}` : null;
    case 'shutdown':
      return vm.state === 'running' ? null : `${vm.state}: only a running guest can be asked to shut down`;
    case 'stop':
      return isActive(vm) ? null : `already ${vm.state}`;
    case 'delete': {
      if (isActive(vm)) return `${vm.state}: stop it first`;
      const blocker = deletePlan(vm.id, images).blockers[0];
      return blocker ? `${blocker.image.name} stands on its layer ${blocker.base.name}` : null;
    }
  }
}

/** Which of the chosen VMs the action is sent to, and which are left out with the reason, in the order given. */
export function bulkPlan(action: BulkAction, vms: Vm[], images: Image[]): { act: Vm[]; skip: { vm: Vm; reason: string }[] } {
  const act: Vm[] = [];
  const skip: { vm: Vm; reason: string }[] = [];
  for (const vm of vms) {
    const reason = skipReason(action, vm, images);
    if (reason === null) act.push(vm);
    else skip.push({ vm, reason });
  }
  return { act, skip };
}
