import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { useBenchmark, useBenchReference, useFollowRun } from '../../api/benchmarks';
import type { BarScale } from '../../components/bar-layout';
import { EmptyState, ErrorBanner, Notice, PageHeader, Spinner } from '../../components/feedback';
import { formatTime } from '../../components/format';
import { isUnderWay } from '../../shared/job-state';
import { columnColors } from './bench-colors';
import { columnsOf, patternsOf } from './bench-table';
import { ExportLinks } from './export-links';
import { PatternSection } from './pattern-section';
import { RatiosCard } from './ratios-card';
import { Recommendations, RunFacts } from './run-facts';
import { RunProgress } from './run-progress';
import { STATE_WORDS } from './state-words';

const backLink = (
  <Link to="/benchmarks" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
    ← All benchmark runs
  </Link>
);

/** One run: progress while it runs, then per pattern the table, the article's numbers and a chart; host, options, ratios, advice. */
export function RunPage() {
  const id = useParams().id ?? '';
  const { data: run, error, isPending } = useBenchmark(id);
  const reference = useBenchReference().data;
  const job = useFollowRun(run);
  const [scale, setScale] = useState<BarScale>('linear');
  if (isPending) return <Spinner label="Loading the run" />;
  if (error instanceof ApiError && error.status === 404)
    return (
      <>
        <div className="mb-4">{backLink}</div>
        <EmptyState title="No such benchmark run">It may have been deleted, or the address is mistyped.</EmptyState>
      </>
    );
  if (error || !run) return <ErrorBanner error={error} />;
  const columns = columnsOf(run.cells);
  const colors = columnColors(columns);
  const running = isUnderWay(run);
  return (
    <>
      <div className="mb-2">{backLink}</div>
      <PageHeader
        title={`Benchmark of ${formatTime(run.createdAt)}`}
        subtitle={
          <span data-testid="bench-run-state">
            {STATE_WORDS[run.state]}
            {run.finishedAt ? ` at ${formatTime(run.finishedAt)}` : ''} · {run.cells.length} cells on {run.host.hostname} (
            {run.host.accelerator.toUpperCase()})
          </span>
        }
        actions={<ExportLinks id={run.id} />}
      />
      <div className="space-y-4">
        {running && <RunProgress run={run} job={job} />}
        {run.error && <ErrorBanner error={run.error} />}
        {run.state === 'cancelled' && <Notice>This run was cancelled; the cells it measured before are shown.</Notice>}
        <Recommendations run={run} />
        <label className="flex w-fit items-center gap-2 text-sm">
          <input
            type="checkbox"
            className="h-4 w-4 accent-indigo-600"
            checked={scale === 'log'}
            onChange={(e) => setScale(e.target.checked ? 'log' : 'linear')}
          />
          Logarithmic scale in the charts (4 KB bars read beside 1 MB ones)
        </label>
        {patternsOf(run).map((p) => (
          <PatternSection key={p} run={run} pattern={p} columns={columns} colors={colors} reference={reference} scale={scale} />
        ))}
        <RatiosCard cells={run.cells} />
        <RunFacts run={run} />
      </div>
    </>
  );
}
