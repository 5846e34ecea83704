import type { BenchCell } from '@strata/contract';
import { Card } from '../../components/card';
import { formatRatio, hostRatios } from './bench-ratios';
import { patternLabel } from './bench-words';

/** The article's conclusions as ratios, this host's beside each; VirtFS here is 9p with the largest msize. */
export function RatiosCard({ cells }: { cells: BenchCell[] }) {
  const ratios = hostRatios(cells);
  return (
    <Card title="The article’s ratios, on this host">
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="bench-ratios">
          <caption className="pb-2 text-left text-xs text-slate-500">
            VirtFS is 9p with the largest msize measured (the article mounted msize=100000000). The article’s figures come from sequential
            reads and random writes; where the run has not that pattern, the other direction stands in and says so.
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
            {ratios.map(({ def, value, pattern }) => (
              <tr key={def.id} className="border-t border-slate-200 dark:border-slate-800" data-testid={`bench-ratio-${def.id}`}>
                <th scope="row" className="py-1.5 pr-3 text-left font-normal">
                  {def.label}
                </th>
                <td className="px-3 py-1.5 text-right">{formatRatio(def.article)}</td>
                <td className="px-3 py-1.5 text-right font-medium">{formatRatio(value)}</td>
                <td className="py-1.5 pl-3 text-xs text-slate-500">
                  {pattern === null
                    ? 'not measured in this run'
                    : `${patternLabel(pattern).toLowerCase()}${pattern === def.patterns[0] ? '' : ` (the article: ${patternLabel(def.patterns[0]).toLowerCase()})`}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
