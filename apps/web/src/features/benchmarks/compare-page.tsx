import { Link, useSearchParams } from 'react-router';
import type { BenchCell, BenchmarkRun } from '@strata/contract';
import { useBenchmark } from '../../api/benchmarks';
import { Button } from '../../components/button';
import { ScrollRegion } from '../../components/scroll-region';
import { Card, Facts } from '../../components/card';
import { ErrorBanner, PageHeader, Spinner } from '../../components/feedback';
import { formatTime } from '../../components/format';
import { formatRatio } from './bench-ratios';
import { compareCsv, compareRuns } from './bench-compare';
import { formatMBpsNumber } from './bench-table';
import { blockLabel, patternLabel } from './bench-words';
import { STATE_WORDS } from './state-words';

function RunSide({ name, run }: { name: string; run: BenchmarkRun }) {
  return (
    <Card title={`Run ${name}`}>
      <Facts
        rows={[
          [
            'Started',
            <Link key="l" to={`/benchmarks/${run.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
              {formatTime(run.createdAt)}
            </Link>,
          ],
          ['State', STATE_WORDS[run.state]],
          ['Host', `${run.host.hostname}, ${run.host.accelerator.toUpperCase()}, ${run.host.fileSystem}`],
          ['Size per cell', `${run.options.sizeMiB} MiB`],
        ]}
      />
    </Card>
  );
}

function download(text: string, name: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const side = (cell: BenchCell | undefined, mbps: number | null, name: string) =>
  !cell ? `not in ${name}` : cell.state === 'done' ? formatMBpsNumber(mbps) : cell.state;

const ratioClass = (r: number | null) =>
  r === null ? '' : r >= 1.1 ? 'text-emerald-700 dark:text-emerald-400' : r <= 0.9 ? 'text-red-700 dark:text-red-400' : '';

/** Two runs side by side, cell by cell: A, B and B ÷ A. */
export function ComparePage() {
  const [params] = useSearchParams();
  const [aId, bId] = [params.get('a'), params.get('b')];
  const a = useBenchmark(aId);
  const b = useBenchmark(bId);
  const back = (
    <Link to="/benchmarks" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
      ← All benchmark runs
    </Link>
  );
  if (!aId || !bId) return <ErrorBanner error="Pick two runs in the history to compare them." />;
  if (a.isPending || b.isPending) return <Spinner label="Loading both runs" />;
  if (!a.data || !b.data) return <ErrorBanner error={a.error ?? b.error} />;
  const [runA, runB] = [a.data, b.data];
  const rows = compareRuns(runA, runB);
  const patterns = [...new Set(rows.map((r) => r.pattern))];
  return (
    <>
      <div className="mb-2">{back}</div>
      <PageHeader
        title="Compare two runs"
        subtitle="B ÷ A above 1 means run B was faster."
        actions={
          <Button onClick={() => download(compareCsv(rows, runA, runB), `strata-benchmark-compare-${runA.id}-${runB.id}.csv`)}>
            Export comparison CSV
          </Button>
        }
      />
      <div className="space-y-4">
        <div className="grid gap-4 md:grid-cols-2">
          <RunSide name="A" run={runA} />
          <RunSide name="B" run={runB} />
        </div>
        {patterns.map((pattern) => (
          <Card key={pattern} title={patternLabel(pattern)}>
            <ScrollRegion label={`${patternLabel(pattern)}: run A and run B`}>
              <table className="w-full text-sm" data-testid={`bench-compare-${pattern}`}>
                <caption className="sr-only">{patternLabel(pattern)}: each cell of run A and run B in MB/s, and B ÷ A</caption>
                <thead className="text-left text-xs text-slate-500 dark:text-slate-400">
                  <tr>
                    <th scope="col" className="py-1.5 pr-2 font-medium">
                      Block size, target
                    </th>
                    <th scope="col" className="px-2 py-1.5 text-right font-medium">
                      Run A <span className="font-normal">MB/s</span>
                    </th>
                    <th scope="col" className="px-2 py-1.5 text-right font-medium">
                      Run B <span className="font-normal">MB/s</span>
                    </th>
                    <th scope="col" className="py-1.5 pl-2 text-right font-medium">
                      B ÷ A
                    </th>
                  </tr>
                </thead>
                <tbody className="tabular-nums">
                  {rows
                    .filter((r) => r.pattern === pattern)
                    .map((r) => (
                      <tr key={`${r.blockSize}-${r.label}`} className="border-t border-slate-200 dark:border-slate-800">
                        <th scope="row" className="py-1.5 pr-2 text-left font-medium">
                          <span className="mr-2 font-normal whitespace-nowrap text-slate-500">{blockLabel(r.blockSize)}</span>
                          <span className="inline-block">{r.label}</span>
                        </th>
                        <td className="px-2 py-1.5 text-right whitespace-nowrap">{side(r.a, r.aMBps, 'A')}</td>
                        <td className="px-2 py-1.5 text-right whitespace-nowrap">{side(r.b, r.bMBps, 'B')}</td>
                        <td className={`py-1.5 pl-2 text-right font-medium whitespace-nowrap ${ratioClass(r.ratio)}`}>
                          {formatRatio(r.ratio)}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </ScrollRegion>
          </Card>
        ))}
      </div>
    </>
  );
}
