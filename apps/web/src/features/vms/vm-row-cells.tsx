import type { Vm } from '@strata/contract';
import { formatBytes, formatMiB } from '../../components/format';
import { IoSpark } from './io-spark';
import { formatUptime, type RowFacts } from './vm-list-query';

/** One row of the list: the VM, its newest figures and its two I/O trends. */
export interface VmRow extends RowFacts {
  disk: [number, number][];
  shares: [number, number][];
}

/** The hypervisor, with the accelerator it runs under (or was set to) where its driver offers one. */
export const hypervisorLabel = (vm: Vm) => {
  if (!vm.capabilities.accelerators) return vm.hypervisor.toUpperCase();
  const accel = vm.runningAccelerator ?? (vm.accelerator === 'auto' ? null : vm.accelerator);
  return accel ? `QEMU · ${accel.toUpperCase()}` : 'QEMU';
};

const muted = 'text-slate-500 dark:text-slate-400';

export function CpuText({ row }: { row: VmRow }) {
  return (
    <span title="all vCPUs together: 100 % is every vCPU busy" className="whitespace-nowrap tabular-nums">
      {row.cpuPercent === null ? <span className={muted}>—</span> : `${row.cpuPercent.toFixed(row.cpuPercent < 10 ? 1 : 0)} %`}
      <span className={`ml-1 text-xs ${muted}`}>of {row.vm.vcpus}</span>
    </span>
  );
}

export function MemoryText({ row }: { row: VmRow }) {
  return (
    <span title="host memory the VM process holds (RSS) of the memory it is given" className="whitespace-nowrap tabular-nums">
      {row.memUsedBytes === null ? <span className={muted}>—</span> : formatBytes(row.memUsedBytes)}
      <span className={muted}> / {formatMiB(row.vm.memoryMiB)}</span>
    </span>
  );
}

export const uptimeText = (row: VmRow) => (row.uptimeMs === null ? '—' : formatUptime(row.uptimeMs));

export function IoSparks({ row, window, which }: { row: VmRow; window: [number, number]; which: 'disk' | 'shares' }) {
  const points = which === 'disk' ? row.disk : row.shares;
  const peak = Math.max(0, ...points.map(([, v]) => v));
  const what = which === 'disk' ? 'Disk' : 'Share';
  return (
    <IoSpark
      points={points}
      window={window}
      testId={which === 'disk' ? `spark-${row.vm.name}` : `spark-shares-${row.vm.name}`}
      label={`${what} I/O of ${row.vm.name}, last 5 minutes: ${points.length === 0 ? 'nothing recorded' : `peak ${formatBytes(peak)}/s`}`}
    />
  );
}
