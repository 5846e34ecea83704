import type { Vm } from '@strata/contract';
import { useVmMutations } from '../../api/vm-actions';
import { RowMenu, type RowMenuItem } from '../../components/row-menu';
import { powerChoices } from '../../shared/power-choices';

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
