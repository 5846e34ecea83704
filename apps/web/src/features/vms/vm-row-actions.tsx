import { useState } from 'react';
import type { Vm } from '@strata/contract';
import { useVmMutations, type PowerAction } from '../../api/vm-actions';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { RowMenu, type RowMenuItem } from '../../components/row-menu';
import { powerChoices } from '../../shared/power-choices';
import { useRole } from '../../shared/use-role';

/** What a forced action costs the guest, said before it is done. */
const CONFIRM: Partial<Record<PowerAction, { verb: string; body: string }>> = {
  stop: {
    verb: 'Force stop',
    body: 'The VM process is killed at once, as if the power were cut: the guest does not shut down, and what it had not written to disk is lost.',
  },
  reset: {
    verb: 'Reset',
    body: 'The guest restarts at once, as if its reset button were pressed: it does not shut down, and what it had not written to disk is lost.',
  },
};

/** A VM list row's power actions in one menu, so a narrow table or a card never cuts them off; forced ones ask first. */
export function VmRowActions({ vm, onError }: { vm: Vm; onError: (e: Error) => void }) {
  const { power } = useVmMutations();
  const [asking, setAsking] = useState<PowerAction | null>(null);
  const refusal = useRole().cannot('start, stop or change VMs');
  const run = (action: PowerAction) => power.mutate({ id: vm.id, action }, { onError });
  const items: RowMenuItem[] = powerChoices(vm).map(([action, label]) => ({
    label: CONFIRM[action] ? `${label}…` : label,
    disabled: power.isPending || refusal !== undefined,
    danger: action === 'stop' || action === 'reset',
    onSelect: () => (CONFIRM[action] ? setAsking(action) : run(action)),
  }));
  const confirm = asking ? CONFIRM[asking] : undefined;
  return (
    <>
      <RowMenu name={vm.name} items={items} />
      {asking && confirm && (
        <Dialog
          title={`${confirm.verb} ${vm.name}?`}
          description={confirm.body}
          onClose={() => setAsking(null)}
          footer={
            <>
              <Button onClick={() => setAsking(null)}>Cancel</Button>
              <Button
                variant="danger"
                onClick={() => {
                  run(asking);
                  setAsking(null);
                }}
              >
                {confirm.verb}
              </Button>
            </>
          }
        >
          {null}
        </Dialog>
      )}
    </>
  );
}
