import type { BenchCell, BenchmarkRun, BenchPattern, BenchReference } from '@strata/contract';
import { BarChart } from '../../components/bar-chart';
import type { BarScale } from '../../components/bar-layout';
import { Card } from '../../components/card';
import { ScrollRegion } from '../../components/scroll-region';
import { formatBytes } from '../../components/format';
import { cellNotes, formatIops, formatMBps, patternRows, referenceRows, toMBps, type Column } from './bench-table';
import { blockLabel, patternLabel } from './bench-words';

const th = 'px-3 py-2 text-left font-medium';
const td = 'px-3 py-2 align-top';
const tableBox = 'rounded-md border border-slate-200 dark:border-slate-800';
const headRow = 'bg-slate-50 text-xs text-slate-500 dark:bg-slate-950 dark:text-slate-400';

/** "3.1 MiB in 2 s" when the time cap stopped a cell before its size was done. */
function capped(cell: BenchCell, sizeMiB: number): string | null {
  if (cell.ioBytes === undefined || cell.ioBytes >= sizeMiB * 1048576) return null;
  const seconds = cell.runtimeMs === undefined ? '' : ` in ${Number((cell.runtimeMs / 1000).toFixed(1))} s`;
  return `${formatBytes(cell.ioBytes)}${seconds}`;
}

function CellView({ cell, notes, sizeMiB }: { cell: BenchCell | undefined; notes: Map<string, number>; sizeMiB: number }) {
  if (!cell) return <span className="text-slate-500">not in this run</span>;
  const mark = cell.direct === false && cell.note ? notes.get(cell.note) : undefined;
  switch (cell.state) {
    case 'pending':
      return <span className="text-slate-500">waiting</span>;
    case 'running':
      return <span className="text-indigo-600 dark:text-indigo-400">measuring…</span>;
    case 'failed':
      return (
        <span className="block max-w-[16rem] text-xs break-words text-red-700 dark:text-red-400">
          <span className="font-semibold">failed</span>
          {cell.error ? `: ${cell.error}` : ''}
        </span>
      );
    case 'skipped':
      return (
        <span className="block max-w-[16rem] text-xs break-words text-slate-500">
          skipped{cell.error || cell.note ? `: ${cell.error ?? cell.note}` : ''}
        </span>
      );
    case 'done':
      return (
        <>
          <span className="font-medium whitespace-nowrap tabular-nums">
            {formatMBps(toMBps(cell.bytesPerSec))}
            {mark !== undefined && (
              <sup className="ml-0.5 text-amber-700 dark:text-amber-400">
                <span aria-hidden>{mark}</span>
                <span className="sr-only">(through the guest’s cache, note {mark})</span>
              </sup>
            )}
          </span>
          <span className="block text-xs whitespace-nowrap text-slate-500 tabular-nums">{formatIops(cell.iops)}</span>
          {capped(cell, sizeMiB) && (
            <span className="block text-xs whitespace-nowrap text-slate-500 tabular-nums">{capped(cell, sizeMiB)}</span>
          )}
        </>
      );
  }
}

function HostTable({ run, pattern, columns }: { run: BenchmarkRun; pattern: BenchPattern; columns: Column[] }) {
  const rows = patternRows(run, pattern, columns);
  const notes = cellNotes(rows.flatMap((r) => r.cells));
  return (
    <div className="min-w-0">
      <ScrollRegion label={`This host: ${patternLabel(pattern).toLowerCase()}`} className={tableBox}>
        <table className="w-full text-sm" data-testid={`bench-table-${pattern}`}>
          <caption className="px-3 pt-2 text-left text-xs font-medium text-slate-600 dark:text-slate-300">
            This host: {patternLabel(pattern).toLowerCase()}, MB/s and IOPS
          </caption>
          <thead className={headRow}>
            <tr>
              <th scope="col" className={th}>
                Block size
              </th>
              {columns.map((c) => (
                <th key={c.key} scope="col" className={th}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.blockSize} className="border-t border-slate-200 dark:border-slate-800">
                <th scope="row" className={`${td} text-left font-medium whitespace-nowrap`}>
                  {blockLabel(r.blockSize)}
                </th>
                {r.cells.map((c, i) => (
                  <td key={columns[i]?.key} className={td}>
                    <CellView cell={c} notes={notes} sizeMiB={run.options.sizeMiB} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {rows.some((r) => r.cells.some((c) => c?.state === 'done' && capped(c, run.options.sizeMiB))) && (
        <p className="mt-2 text-xs text-slate-500">
          A size under a cell: the per-cell time cap stopped it before {run.options.sizeMiB} MiB; its rate is over what it moved.
        </p>
      )}
      {notes.size > 0 && (
        <ol className="mt-2 space-y-0.5 text-xs text-slate-500">
          {[...notes].map(([note, n]) => (
            <li key={n}>
              <span className="text-amber-700 dark:text-amber-400">{n}</span> Measured through the guest’s cache (no O_DIRECT): {note}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

export const ARTICLE_CAPTION = 'The VirtFS article’s table — CentOS 6.5 guest on KVM, 4 GB per test';

function ArticleTable({ reference, pattern }: { reference: BenchReference; pattern: BenchPattern }) {
  const rows = referenceRows(reference, pattern);
  if (rows.length === 0) return null;
  const value = (v: number | null) => (v === null ? <span className="text-slate-500">illegible in the article</span> : formatMBps(v));
  return (
    <ScrollRegion label={`The VirtFS article: ${patternLabel(pattern).toLowerCase()}`} className={`${tableBox} min-w-0 self-start`}>
      <table className="w-full text-sm" data-testid={`bench-article-${pattern}`}>
        <caption className="px-3 pt-2 text-left text-xs font-medium text-slate-600 dark:text-slate-300">
          {ARTICLE_CAPTION}: {patternLabel(pattern).toLowerCase()}, MB/s
        </caption>
        <thead className={headRow}>
          <tr>
            <th scope="col" className={th}>
              Block size
            </th>
            <th scope="col" className={th}>
              VirtFS (9p)
            </th>
            <th scope="col" className={th}>
              virtio-blk
            </th>
            <th scope="col" className={th}>
              IDE
            </th>
          </tr>
        </thead>
        <tbody className="tabular-nums">
          {rows.map((r) => (
            <tr key={r.blockSize} className="border-t border-slate-200 dark:border-slate-800">
              <th scope="row" className={`${td} text-left font-medium whitespace-nowrap`}>
                {blockLabel(r.blockSize)}
              </th>
              <td className={`${td} whitespace-nowrap`}>{value(r.virtfs)}</td>
              <td className={`${td} whitespace-nowrap`}>{value(r.virtioBlk)}</td>
              <td className={`${td} whitespace-nowrap`}>{value(r.ide)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

// Three significant digits at most and no trailing zeros: an axis reads 50, not 50.0.
const chartValue = (v: number) =>
  String(Number(v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2)));

/** One pattern: this host's table in the article's layout, the article's own numbers beside it, and the chart. */
export function PatternSection({
  run,
  pattern,
  columns,
  colors,
  reference,
  scale,
}: {
  run: BenchmarkRun;
  pattern: BenchPattern;
  columns: Column[];
  colors: string[];
  reference: BenchReference | undefined;
  scale: BarScale;
}) {
  const rows = patternRows(run, pattern, columns);
  return (
    <Card title={patternLabel(pattern)}>
      <div className="space-y-4" data-testid={`bench-pattern-${pattern}`}>
        <HostTable run={run} pattern={pattern} columns={columns} />
        <div className="grid gap-4 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
          <BarChart
            title={`${patternLabel(pattern)} on this host`}
            unit="MB/s"
            testId={`bench-chart-${pattern}`}
            scale={scale}
            format={(v) => `${chartValue(v)} MB/s`}
            tick={chartValue}
            series={columns.map((c, i) => ({ label: c.label, color: colors[i] ?? '#64748b' }))}
            groups={rows.map((r) => ({
              label: blockLabel(r.blockSize),
              values: r.cells.map((c) => (c?.state === 'done' ? toMBps(c.bytesPerSec) : null)),
              failed: r.cells.map((c) => c?.state === 'failed'),
              missing: r.cells.map((c) =>
                !c
                  ? 'not in this run'
                  : c.state === 'failed'
                    ? `failed${c.error ? `: ${c.error}` : ''}`
                    : c.state === 'done'
                      ? undefined
                      : c.state,
              ),
            }))}
          />
          {reference && <ArticleTable reference={reference} pattern={pattern} />}
        </div>
      </div>
    </Card>
  );
}
