import { useState } from 'react';
import type { BenchmarkRun, Job } from '@strata/contract';
import { useBenchmarkMutations } from '../../api/benchmarks';
import { Button } from '../../components/button';
import { Card } from '../../components/card';
import { Dialog } from '../../components/dialog';
import { ErrorBanner } from '../../components/feedback';
import { useRole } from '../../shared/use-role';
import { progressOf } from './bench-table';
import { blockLabel, columnLabel, patternLabel } from './bench-words';

function CancelDialog({ runId, onClose }: { runId: string; onClose: () => void }) {
  const { cancel } = useBenchmarkMutations();
  return (
    <Dialog
      title="Cancel this benchmark?"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Keep running</Button>
          <Button variant="danger" disabled={cancel.isPending} onClick={() => cancel.mutate(runId, { onSuccess: onClose })}>
            Cancel benchmark
          </Button>
        </>
      }
    >
      <p className="text-sm">
        The cell being measured stops, the cells not yet measured are skipped and the throwaway VM is removed. Cells already measured stay
        in the run.
      </p>
      {cancel.error && <ErrorBanner error={cancel.error} />}
    </Dialog>
  );
}

/** A run under way: cells done out of all, the cell being measured, and Cancel (confirmed first). */
export function RunProgress({ run, job }: { run: BenchmarkRun; job: Job | undefined }) {
  const [confirming, setConfirming] = useState(false);
  const refusal = useRole().cannot('cancel benchmarks');
  const p = progressOf(run.cells);
  const fraction = p.total > 0 ? p.done / p.total : (job?.progress ?? 0);
  const percent = Math.round(fraction * 100);
  const current = p.current
    ? `${columnLabel(p.current.target, p.current.variant)}, ${patternLabel(p.current.pattern).toLowerCase()}, ${blockLabel(p.current.blockSize)} blocks`
    : run.state === 'queued'
      ? 'waiting for other work to finish'
      : 'starting a throwaway VM';
  return (
    <Card
      title="Running"
      actions={
        <Button variant="danger" disabled={refusal !== undefined} title={refusal} onClick={() => setConfirming(true)}>
          Cancel benchmark…
        </Button>
      }
    >
      <div className="space-y-2" data-testid="bench-progress">
        <div className="flex flex-wrap justify-between gap-2 text-sm">
          <span data-testid="bench-progress-count">
            {p.done} of {p.total} cells done{p.failed > 0 ? `, ${p.failed} failed` : ''}
          </span>
          <span className="text-slate-500">{percent}%</span>
        </div>
        <div
          role="progressbar"
          aria-label="Benchmark progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${p.done} of ${p.total} cells`}
          className="h-2 overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
        >
          <div className="h-full bg-indigo-600 transition-all" style={{ width: `${percent}%` }} />
        </div>
        <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="bench-current">
          Now: {current}
        </p>
      </div>
      {confirming && <CancelDialog runId={run.id} onClose={() => setConfirming(false)} />}
    </Card>
  );
}
