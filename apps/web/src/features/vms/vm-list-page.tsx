import { useEffect, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import type { Vm } from '@strata/contract';
import { useMetrics } from '../../api/metrics-stream';
import { Sparkline } from '../../components/time-chart';
import { useVms } from '../../api/get-vms';
import { Button } from '../../components/button';
import { TABLET, useMediaQuery } from '../../components/use-media-query';
import { EmptyState, ErrorBanner, PageHeader, Spinner, focusPageHeadingIfLost } from '../../components/feedback';
import { formatMiB, plural } from '../../components/format';
import { CreateVmDialog } from './create-vm-dialog';
import { StateBadge } from './state-badge';
import { VmRowActions } from './vm-row-actions';

/** The hypervisor, with the accelerator it runs under (or was set to) where its driver offers one. */
const hypervisorLabel = (vm: Vm) => {
  if (!vm.capabilities.accelerators) return vm.hypervisor.toUpperCase();
  const accel = vm.runningAccelerator ?? (vm.accelerator === 'auto' ? null : vm.accelerator);
  return accel ? `QEMU · ${accel.toUpperCase()}` : 'QEMU';
};

const cell = 'px-3 py-2.5';

function VmTable({ vms, onError }: { vms: Vm[]; onError: (e: Error) => void }) {
  const metrics = useMetrics();
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-sm">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide whitespace-nowrap text-slate-500 dark:bg-slate-900/60">
          <tr>
            <th className={`${cell} font-medium`}>Name</th>
            <th className={`${cell} font-medium`}>State</th>
            <th className={`${cell} font-medium`}>vCPUs</th>
            <th className={`${cell} font-medium`}>Memory</th>
            <th className={`${cell} font-medium`}>Hypervisor</th>
            <th className={`${cell} font-medium`}>Disk I/O (5 min)</th>
            <th className={cell}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {vms.map((vm) => (
            <tr key={vm.id} data-testid={`vm-row-${vm.name}`} className="hover:bg-slate-50 dark:hover:bg-slate-800/40">
              <td className={`${cell} font-medium`}>
                <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to={`/vms/${vm.id}`}>
                  {vm.name}
                </Link>
              </td>
              <td className={cell}>
                <StateBadge state={vm.state} />
              </td>
              <td className={cell}>{vm.vcpus}</td>
              <td className={`${cell} whitespace-nowrap`}>{formatMiB(vm.memoryMiB)}</td>
              <td className={`${cell} whitespace-nowrap text-slate-500`}>{hypervisorLabel(vm)}</td>
              <td className={cell}>
                <Sparkline
                  testId={`spark-${vm.name}`}
                  values={(metrics.vms.get(vm.id) ?? [])
                    .slice(-300)
                    .map((s) => s.disks.reduce((sum, d) => sum + d.readBps + d.writeBps, 0))}
                />
              </td>
              <td className={`${cell} text-right`}>
                <VmRowActions vm={vm} onError={onError} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** On a phone each VM is a card: its name, state, hypervisor and the actions menu. */
function VmCards({ vms, onError }: { vms: Vm[]; onError: (e: Error) => void }) {
  return (
    <ul className="space-y-3">
      {vms.map((vm) => (
        <li
          key={vm.id}
          data-testid={`vm-row-${vm.name}`}
          className="flex items-start justify-between gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-800 dark:bg-slate-900"
        >
          <div className="min-w-0">
            <Link className="block truncate font-medium text-indigo-600 hover:underline dark:text-indigo-400" to={`/vms/${vm.id}`}>
              {vm.name}
            </Link>
            <div className="mt-1.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-500 dark:text-slate-400">
              <StateBadge state={vm.state} />
              <span>{hypervisorLabel(vm)}</span>
              <span>
                {plural(vm.vcpus, 'vCPU')} · {formatMiB(vm.memoryMiB)}
              </span>
            </div>
          </div>
          <VmRowActions vm={vm} onError={onError} />
        </li>
      ))}
    </ul>
  );
}

export function VmListPage() {
  const { data: vms, error, isPending } = useVms();
  const [params, setParams] = useSearchParams();
  const clone = params.get('clone') ?? undefined;
  const [creating, setCreating] = useState(clone !== undefined);
  const [actionError, setActionError] = useState<Error | null>(null);
  const wide = useMediaQuery(TABLET);
  const location = useLocation();
  const arrivedFromDelete = (location.state as { focusHeading?: boolean } | null)?.focusHeading === true;
  useEffect(() => {
    // The deleted VM's page, and the button that opened its Delete dialog, are gone.
    if (arrivedFromDelete) focusPageHeadingIfLost();
  }, [arrivedFromDelete, location.key]);
  const closeCreate = () => {
    setCreating(false);
    if (clone) setParams({});
  };
  const newButton = (
    <Button variant="primary" onClick={() => setCreating(true)}>
      New VM
    </Button>
  );
  return (
    <>
      <PageHeader
        title="Virtual machines"
        subtitle="QEMU and User-Mode Linux guests on copy-on-write layers of shared base images."
        actions={newButton}
      />
      {isPending && <Spinner />}
      {error && <ErrorBanner error={error} />}
      {vms && vms.length === 0 && (
        <EmptyState title="No virtual machines yet" action={newButton}>
          A new VM boots the built-in strata-mini guest from its own overlay, so many VMs share one base image.
        </EmptyState>
      )}
      {actionError && (
        <div className="mb-4">
          <ErrorBanner error={actionError} />
        </div>
      )}
      {vms && vms.length > 0 && (wide ? <VmTable vms={vms} onError={setActionError} /> : <VmCards vms={vms} onError={setActionError} />)}
      {creating && <CreateVmDialog vms={vms ?? []} onClose={closeCreate} initialImage={clone} />}
    </>
  );
}
