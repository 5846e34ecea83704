import type { BenchCell } from '@strata/contract';
import { ScrollRegion } from '../../components/scroll-region';
import { Card } from '../../components/card';
import { articlePattern, formatRatio, hostRatios, type HostRatio } from './bench-ratios';
import { patternLabel } from './bench-words';

function RatioRow({ ratio: { id, label, article, value, pattern } }: { ratio: HostRatio }) {
  const own = articlePattern(id);
  return (
    <tr className="border-t border-slate-200 dark:border-slate-800" data-testid={`bench-ratio-${id}`}>
      <th scope="row" className="py-1.5 pr-3 text-left font-normal">
        {label}
      </th>
      <td className="px-3 py-1.5 text-right">{formatRatio(article)}</td>
      <td className="px-3 py-1.5 text-right font-medium">{formatRatio(value)}</td>
      <td className="py-1.5 pl-3 text-xs text-slate-500">
        {pattern &&
          `${patternLabel(pattern).toLowerCase()}${pattern === own || own === null ? '' : ` (the article: ${patternLabel(own).toLowerCase()})`}`}
      </td>
    </tr>
  );
}

/** The article's conclusions as ratios, this host's beside each; VirtFS here is 9p with the largest msize. */
export function RatiosCard({ cells }: { cells: BenchCell[] }) {
  const ratios = hostRatios(cells);
  const measured = ratios.filter((r) => r.value !== null);
  const missing = ratios.filter((r) => r.value === null);
  return (
    <Card title="The article’s ratios, on this host">
      <ScrollRegion label="The article’s ratios">
        <table className="w-full text-sm" data-testid="bench-ratios">
          <caption className="pb-2 text-left text-xs text-slate-500">
            VirtFS is 9p with the largest msize measured (the article mounted msize=100000000, 100 MB). The article’s figures come from
            sequential reads and random writes; where the run has not that pattern, the other direction stands in and says so.
          </caption>
          <thead className="text-xs text-slate-500 dark:text-slate-400">
            <tr>
              <th scope="col" className="py-1 pr-3 text-left font-medium">
                Ratio
              </th>
              <th scope="col" className="px-3 py-1 text-right font-medium">
                The article
              </th>
              <th scope="col" className="px-3 py-1 text-right font-medium">
                This host
              </th>
              <th scope="col" className="py-1 pl-3 text-left font-medium">
                Measured with
              </th>
            </tr>
          </thead>
          <tbody className="tabular-nums">
            {measured.map((r) => (
              <RatioRow key={r.id} ratio={r} />
            ))}
            {measured.length === 0 && (
              <tr>
                <td colSpan={4} className="py-2 text-slate-500">
                  None yet: every ratio needs 9p with the largest msize and the disk or block size it is set against.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </ScrollRegion>
      {missing.length > 0 && (
        <details className="mt-3 text-sm">
          <summary className="cursor-pointer text-slate-600 dark:text-slate-300">
            {missing.length} more of the article’s ratios need what this run did not measure
          </summary>
          <ul className="mt-2 space-y-1">
            {missing.map((r) => (
              <li key={r.id} data-testid={`bench-ratio-${r.id}`} className="flex justify-between gap-3">
                <span>{r.label}</span>
                <span className="shrink-0 tabular-nums">the article: {formatRatio(r.article)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}
