import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { plural } from '../../components/format';
import { StateBadge } from './state-badge';
import { VmRowActions } from './vm-row-actions';
import { CpuText, IoSparks, MemoryText, hypervisorLabel, uptimeText } from './vm-row-cells';
import type { ListProps } from './vm-table';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <div className="text-slate-500 dark:text-slate-400">{label}</div>
      {children}
    </div>
  );
}

/** On a phone each VM is a card: its name, state and figures, its two I/O trends and the actions menu. */
export function VmCards({ rows, window, selected, onSelect, selectable, onError }: ListProps) {
  return (
    <ul className="space-y-3">
      {rows.map((row) => (
        <li
          key={row.vm.id}
          data-testid={`vm-row-${row.vm.name}`}
          className={`rounded-lg border bg-white p-3 shadow-sm dark:bg-slate-900 ${selected.has(row.vm.id) ? 'border-indigo-400 dark:border-indigo-600' : 'border-slate-200 dark:border-slate-800'}`}
        >
          <div className="flex items-start justify-between gap-3">
            <div className="flex min-w-0 items-start gap-2">
              {selectable && (
                <input
                  type="checkbox"
                  className="mt-1.5 h-4 w-4 shrink-0"
                  aria-label={`Select ${row.vm.name}`}
                  checked={selected.has(row.vm.id)}
                  onChange={(e) => onSelect([row.vm.id], e.target.checked)}
                />
              )}
              <div className="min-w-0">
                <Link className="block truncate font-medium text-indigo-600 hover:underline dark:text-indigo-400" to={`/vms/${row.vm.id}`}>
                  {row.vm.name}
                </Link>
                <div className="mt-1.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-500 dark:text-slate-400">
                  <StateBadge state={row.vm.state} />
                  <span>{hypervisorLabel(row.vm)}</span>
                  <span>{plural(row.vm.vcpus, 'vCPU')}</span>
                  {row.uptimeMs !== null && <span data-testid="vm-uptime">up {uptimeText(row)}</span>}
                </div>
              </div>
            </div>
            <VmRowActions vm={row.vm} onError={onError} />
          </div>
          <div className="mt-2 grid grid-cols-2 gap-x-3 gap-y-2 text-xs">
            <Fact label="CPU">
              <CpuText row={row} />
            </Fact>
            <Fact label="Memory">
              <MemoryText row={row} />
            </Fact>
            <Fact label="Disk I/O">
              <IoSparks row={row} window={window} which="disk" />
            </Fact>
            <Fact label="Share I/O">
              <IoSparks row={row} window={window} which="shares" />
            </Fact>
          </div>
        </li>
      ))}
    </ul>
  );
}
