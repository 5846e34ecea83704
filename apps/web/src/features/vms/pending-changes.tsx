import type { Vm } from '@strata/contract';
import { useVmMutations } from '../../api/vm-actions';
import { useVmOps } from '../../api/vm-ops';
import { Button } from '../../components/button';
import { ErrorBanner } from '../../components/feedback';
import { pendingWords } from '../../shared/pending-words';
import { useRole } from '../../shared/use-role';

/** Settings saved while the VM runs that only a start applies: listed, with Restart now and Discard. */
export function PendingChanges({ vm }: { vm: Vm }) {
  const { power } = useVmMutations();
  const { discardPending } = useVmOps();
  const refusal = useRole().cannot('change VMs');
  const words = pendingWords(vm);
  if (words.length === 0) return null;
  const restarting = power.isPending && power.variables?.action === 'restart';
  const busy = power.isPending || discardPending.isPending || refusal !== undefined;
  return (
    <div
      data-testid="pending-changes"
      className="mb-4 flex flex-wrap items-center justify-between gap-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200"
    >
      <p>
        <strong>Pending until restart:</strong> {words.join('; ')}.
      </p>
      <div className="flex gap-2">
        <Button
          variant="primary"
          disabled={busy || vm.state !== 'running'}
          title={refusal}
          onClick={() => power.mutate({ id: vm.id, action: 'restart' })}
        >
          {restarting ? 'Restarting…' : 'Restart now'}
        </Button>
        <Button disabled={busy} title={refusal} onClick={() => discardPending.mutate(vm.id)}>
          Discard
        </Button>
      </div>
      {(power.error ?? discardPending.error) && <ErrorBanner error={power.error ?? discardPending.error!} />}
    </div>
  );
}
