import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Vm } from '@strata/contract';
import { api } from '../../api/client';
import { useImages } from '../../api/get-images';
import { keys } from '../../api/keys';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Notice } from '../../components/feedback';
import { plural } from '../../components/format';
import { BULK_LABELS, bulkPlan, type BulkAction } from './bulk-plan';

type Status = { kind: 'waiting' } | { kind: 'working' } | { kind: 'done' } | { kind: 'failed'; message: string };

const CONSEQUENCE: Record<BulkAction, string> = {
  start: 'Each VM boots from its own disk layers.',
  shutdown: 'Each guest is asked to shut down; one that does not within its timeout is stopped by force.',
  stop: 'Each VM process is killed at once, as if the power were cut: what a guest had not written to disk is lost.',
  delete: 'Each VM is deleted with its own disk layers; the images they stand on stay. This cannot be undone.',
};

const STATUS_TEXT = { waiting: 'waiting', working: 'working…', done: 'done' } as const;

/**
 * One confirmation for an action on several VMs: it names every VM it will act on and every one it
 * leaves out (and why), then runs them one after another, showing each VM's result and error.
 */
export function BulkDialog({ action, vms, onClose }: { action: BulkAction; vms: Vm[]; onClose: (ran: boolean) => void }) {
  const qc = useQueryClient();
  const images = useImages().data ?? [];
  // Fixed at the click: the list a user confirmed is the list acted on, whatever changes meanwhile.
  const [confirmed, setConfirmed] = useState<ReturnType<typeof bulkPlan> | null>(null);
  const plan = confirmed ?? bulkPlan(action, vms, images);
  const [status, setStatus] = useState<Record<string, Status> | null>(null);
  const label = BULK_LABELS[action];
  const running = status !== null && Object.values(status).some((s) => s.kind === 'waiting' || s.kind === 'working');
  const finished = status !== null && !running;
  const done = status === null ? 0 : Object.values(status).filter((s) => s.kind === 'done' || s.kind === 'failed').length;
  const failed = status === null ? 0 : Object.values(status).filter((s) => s.kind === 'failed').length;

  const go = async () => {
    setConfirmed(plan);
    let now: Record<string, Status> = Object.fromEntries(plan.act.map((vm) => [vm.id, { kind: 'waiting' } as Status]));
    const set = (id: string, s: Status) => {
      now = { ...now, [id]: s };
      setStatus(now);
    };
    setStatus(now);
    for (const vm of plan.act) {
      set(vm.id, { kind: 'working' });
      try {
        if (action === 'delete') await api<void>('DELETE', `/vms/${vm.id}`);
        else await api<Vm>('POST', `/vms/${vm.id}/${action}`);
        set(vm.id, { kind: 'done' });
      } catch (err) {
        set(vm.id, { kind: 'failed', message: (err as Error).message });
      }
      void qc.invalidateQueries({ queryKey: keys.vms });
    }
    void qc.invalidateQueries({ queryKey: keys.images });
    void qc.invalidateQueries({ queryKey: keys.host });
  };

  return (
    <Dialog
      title={`${label} ${plural(plan.act.length, 'VM')}?`}
      description={CONSEQUENCE[action]}
      onClose={() => !running && onClose(status !== null)}
      footer={
        finished ? (
          <Button variant="primary" onClick={() => onClose(true)}>
            Close
          </Button>
        ) : (
          <>
            <Button onClick={() => onClose(false)} disabled={running}>
              Cancel
            </Button>
            <Button
              variant={action === 'start' ? 'primary' : 'danger'}
              disabled={running || plan.act.length === 0}
              onClick={() => void go()}
            >
              {running ? `${label}: ${done} of ${plan.act.length}…` : `${label} ${plural(plan.act.length, 'VM')}`}
            </Button>
          </>
        )
      }
    >
      {plan.act.length > 0 && (
        <ul
          data-testid="bulk-targets"
          className="divide-y divide-slate-100 rounded-md border border-slate-200 text-sm dark:divide-slate-800 dark:border-slate-800"
        >
          {plan.act.map((vm) => {
            const s = status?.[vm.id];
            return (
              <li
                key={vm.id}
                data-testid={`bulk-target-${vm.name}`}
                className="flex flex-wrap items-baseline justify-between gap-x-3 px-3 py-1.5"
              >
                <span className="font-medium break-all">{vm.name}</span>
                {s && (
                  <span
                    className={`text-xs ${s.kind === 'failed' ? 'text-red-700 dark:text-red-400' : s.kind === 'done' ? 'text-emerald-700 dark:text-emerald-400' : 'text-slate-500 dark:text-slate-400'}`}
                  >
                    {s.kind === 'failed' ? `failed: ${s.message}` : STATUS_TEXT[s.kind]}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {status !== null && (
        <div>
          <progress className="h-2 w-full accent-indigo-600" max={plan.act.length} value={done} aria-label={`${label}: progress`} />
          <p role="status" className="mt-1 text-xs text-slate-600 dark:text-slate-300">
            {done} of {plan.act.length} done{failed > 0 ? `, ${failed} failed` : ''}.
          </p>
        </div>
      )}
      {plan.skip.length > 0 && (
        <Notice tone="warn">
          Left out:
          <ul className="mt-1 list-disc pl-5">
            {plan.skip.map(({ vm, reason }) => (
              <li key={vm.id}>
                {vm.name} — {reason}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {plan.act.length === 0 && <p className="text-sm">None of the selected VMs can be acted on this way.</p>}
    </Dialog>
  );
}
