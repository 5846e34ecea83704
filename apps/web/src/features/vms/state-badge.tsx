import type { VmState } from '@strata/contract';

const styles: Record<VmState, string> = {
  defined: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
  starting: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300',
  running: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300',
  paused: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
  stopping: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300',
  stopped: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
  crashed: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300',
};

export function StateBadge({ state }: { state: VmState }) {
  return (
    <span
      data-testid="vm-state"
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ${styles[state]}`}
    >
      <span className={`h-1.5 w-1.5 rounded-full bg-current ${state === 'starting' || state === 'stopping' ? 'animate-pulse' : ''}`} />
      {state}
    </span>
  );
}
