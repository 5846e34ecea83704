import type { Vm } from '@strata/contract';
import { useVmMutations, type PowerAction } from '../../api/vm-actions';
import { RowMenu, type RowMenuItem } from '../../components/row-menu';
import { isActive } from '../../shared/vm-state';

/** What the power buttons on the VM page offer, by state, as menu entries. */
function powerChoices(vm: Vm): [PowerAction, string][] {
  if (!isActive(vm)) return [['start', 'Start']];
  if (vm.state === 'stopping') return [['stop', 'Force stop']];
  if (vm.state === 'paused')
    return [
      ['resume', 'Resume'],
      ['stop', 'Force stop'],
    ];
  if (vm.state === 'running')
    return [
      ['shutdown', 'Shut down'],
      ['pause', 'Pause'],
      ['reset', 'Reset'],
      ['stop', 'Force stop'],
    ];
  return [['stop', 'Force stop']];
}

/** A VM list row's power actions in one menu, so a narrow table or a card never cuts them off. */
export function VmRowActions({ vm, onError }: { vm: Vm; onError: (e: Error) => void }) {
  const { power } = useVmMutations();
  const items: RowMenuItem[] = powerChoices(vm).map(([action, label]) => ({
    label,
    disabled: power.isPending,
    danger: action === 'stop' || action === 'reset',
    onSelect: () => power.mutate({ id: vm.id, action }, { onError }),
  }));
  return <RowMenu name={vm.name} items={items} />;
}
