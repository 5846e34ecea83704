import { Link } from 'react-router';
import type { BenchmarkSummary } from '@strata/contract';
import { useFollowRun } from '../../api/benchmarks';
import { formatTime } from '../../components/format';
import { STATE_WORDS } from './state-words';
import { blockLabel, patternLabel, targetLabel } from './bench-words';

/** Keeps an under-way run's row current: its job's events refetch the list. */
function Follow({ run }: { run: BenchmarkSummary }) {
  useFollowRun(run);
  return null;
}

const stateClass = (s: BenchmarkSummary['state']) =>
  s === 'failed' ? 'text-red-700 dark:text-red-400' : s === 'running' || s === 'queued' ? 'text-indigo-600 dark:text-indigo-400' : '';

const what = (r: BenchmarkSummary) =>
  `${r.options.patterns.map(patternLabel).join(', ')} · ${r.options.blockSizes.map(blockLabel).join(', ')} · ${r.options.sizeMiB} MiB`;

/** Every run, newest first; two ticked runs can be compared. */
export function HistoryList({
  runs,
  picked,
  onPick,
}: {
  runs: BenchmarkSummary[];
  picked: string[];
  onPick: (id: string, on: boolean) => void;
}) {
  return (
    <ul
      className="divide-y divide-slate-200 rounded-lg border border-slate-200 dark:divide-slate-800 dark:border-slate-800"
      data-testid="bench-history"
    >
      {runs.map((r) => {
        const on = picked.includes(r.id);
        return (
          <li key={r.id} className="flex items-start gap-3 px-4 py-3" data-testid={`bench-run-${r.id}`}>
            {(r.state === 'queued' || r.state === 'running') && <Follow run={r} />}
            <input
              type="checkbox"
              className="mt-1 h-4 w-4 shrink-0 accent-indigo-600"
              aria-label={`Compare the run of ${formatTime(r.createdAt)}`}
              checked={on}
              disabled={!on && picked.length >= 2}
              onChange={(e) => onPick(r.id, e.target.checked)}
            />
            <div className="min-w-0 flex-1 space-y-0.5 text-sm">
              <div className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5">
                <Link to={`/benchmarks/${r.id}`} className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                  {formatTime(r.createdAt)}
                </Link>
                <span className={stateClass(r.state)}>{STATE_WORDS[r.state]}</span>
                <span className="text-slate-500">
                  {r.cellCount} cells{r.failedCells > 0 ? `, ${r.failedCells} failed` : ''} · {r.accelerator.toUpperCase()}
                </span>
              </div>
              <div className="break-words">{r.options.targets.map(targetLabel).join(', ')}</div>
              <div className="text-xs break-words text-slate-500">{what(r)}</div>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
