import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { StateBadge } from './state-badge';
import { VmRowActions } from './vm-row-actions';
import { CpuText, IoSparks, MemoryText, hypervisorLabel, uptimeText, type VmRow } from './vm-row-cells';
import type { ListQuery, SortKey } from './vm-list-query';

const cell = 'px-3 py-2.5';
// The actions stay in view at the right edge while a narrow window scrolls the table under them.
const stuck = 'sticky right-0 shadow-[-6px_0_6px_-6px_rgba(15,23,42,0.25)]';

export interface ListProps {
  rows: VmRow[];
  window: [number, number];
  selected: ReadonlySet<string>;
  onSelect: (ids: string[], on: boolean) => void;
  /** false for a role that may not act: no check boxes */
  selectable: boolean;
  onError: (e: Error) => void;
}

function SortHeader({
  label,
  sortKey,
  query,
  onSort,
}: {
  label: string;
  sortKey: SortKey;
  query: ListQuery;
  onSort: (k: SortKey) => void;
}) {
  const active = query.sort === sortKey;
  return (
    <th className={`${cell} font-medium`} aria-sort={active ? (query.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button
        type="button"
        onClick={() => onSort(sortKey)}
        className="inline-flex items-center gap-1 uppercase hover:text-slate-800 dark:hover:text-slate-200"
      >
        {label}
        {active && <span aria-hidden>{query.dir === 'desc' ? '▼' : '▲'}</span>}
      </button>
    </th>
  );
}

/** Whether the element is wider than its box: a table that scrolls sideways says so. */
function useOverflows<T extends HTMLElement>(): [React.RefObject<T | null>, boolean] {
  const ref = useRef<T>(null);
  const [over, setOver] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setOver(el.scrollWidth > el.clientWidth + 1);
    const observer = new ResizeObserver(check);
    observer.observe(el);
    check();
    return () => observer.disconnect();
  }, []);
  return [ref, over];
}

export function VmTable({
  rows,
  window,
  selected,
  onSelect,
  selectable,
  onError,
  query,
  onSort,
}: ListProps & { query: ListQuery; onSort: (k: SortKey) => void }) {
  const [scroller, overflows] = useOverflows<HTMLDivElement>();
  const all = rows.length > 0 && rows.every((r) => selected.has(r.vm.id));
  const some = rows.some((r) => selected.has(r.vm.id));
  const header = (label: string, key: SortKey): ReactNode => <SortHeader label={label} sortKey={key} query={query} onSort={onSort} />;
  return (
    <>
      {overflows && <p className="mb-1 text-xs text-slate-500 dark:text-slate-400">Scroll the table sideways for more columns.</p>}
      <div
        ref={scroller}
        tabIndex={overflows ? 0 : undefined}
        aria-label={overflows ? 'Virtual machines (scrolls sideways)' : undefined}
        role={overflows ? 'region' : undefined}
        className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900"
      >
        <table className="w-full text-sm">
          <thead className="bg-slate-50 text-left text-xs tracking-wide whitespace-nowrap text-slate-500 uppercase dark:bg-slate-900/60 dark:text-slate-400">
            <tr>
              {selectable && (
                <th className={`${cell} w-8`}>
                  <input
                    type="checkbox"
                    aria-label="Select all shown VMs"
                    checked={all}
                    ref={(el) => {
                      if (el) el.indeterminate = some && !all;
                    }}
                    onChange={(e) =>
                      onSelect(
                        rows.map((r) => r.vm.id),
                        e.target.checked,
                      )
                    }
                  />
                </th>
              )}
              {header('Name', 'name')}
              {header('State', 'state')}
              {header('CPU', 'cpu')}
              {header('Memory', 'memory')}
              {header('Uptime', 'uptime')}
              {header('Hypervisor', 'hypervisor')}
              <th className={`${cell} font-medium`}>Disk I/O</th>
              <th className={`${cell} font-medium`}>Share I/O</th>
              <th className={`${cell} ${stuck} bg-slate-50 dark:bg-slate-900`}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {rows.map((row) => (
              <tr
                key={row.vm.id}
                data-testid={`vm-row-${row.vm.name}`}
                className={`hover:bg-slate-50 dark:hover:bg-slate-800/40 ${selected.has(row.vm.id) ? 'bg-indigo-50/60 dark:bg-indigo-950/30' : ''}`}
              >
                {selectable && (
                  <td className={cell}>
                    <input
                      type="checkbox"
                      aria-label={`Select ${row.vm.name}`}
                      checked={selected.has(row.vm.id)}
                      onChange={(e) => onSelect([row.vm.id], e.target.checked)}
                    />
                  </td>
                )}
                <td className={`${cell} font-medium whitespace-nowrap`}>
                  <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to={`/vms/${row.vm.id}`}>
                    {row.vm.name}
                  </Link>
                </td>
                <td className={cell}>
                  <StateBadge state={row.vm.state} />
                </td>
                <td className={cell}>
                  <CpuText row={row} />
                </td>
                <td className={cell}>
                  <MemoryText row={row} />
                </td>
                <td className={`${cell} whitespace-nowrap tabular-nums`} data-testid="vm-uptime">
                  {uptimeText(row)}
                </td>
                <td className={`${cell} whitespace-nowrap text-slate-500 dark:text-slate-400`}>{hypervisorLabel(row.vm)}</td>
                <td className={cell}>
                  <IoSparks row={row} window={window} which="disk" />
                </td>
                <td className={cell}>
                  <IoSparks row={row} window={window} which="shares" />
                </td>
                <td className={`${cell} ${stuck} bg-white text-right dark:bg-slate-900`}>
                  <VmRowActions vm={row.vm} onError={onError} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
