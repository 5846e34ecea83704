import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMetrics } from '../../api/metrics-stream';
import { Sparkline } from '../../components/time-chart';
import { useVms } from '../../api/get-vms';
import { Button } from '../../components/button';
import { EmptyState, ErrorBanner, PageHeader, Spinner } from '../../components/feedback';
import { CreateVmDialog } from './create-vm-dialog';
import { StateBadge } from './state-badge';
import { VmPowerButtons } from './vm-actions';

export function VmListPage() {
  const metrics = useMetrics();
  const { data: vms, error, isPending } = useVms();
  const [params, setParams] = useSearchParams();
  const clone = params.get('clone') ?? undefined;
  const [creating, setCreating] = useState(clone !== undefined);
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
      <PageHeader title="Virtual machines" subtitle="QEMU guests on copy-on-write layers of shared base images." actions={newButton} />
      {isPending && <Spinner />}
      {error && <ErrorBanner error={error} />}
      {vms && vms.length === 0 && (
        <EmptyState title="No virtual machines yet" action={newButton}>
          A new VM boots the built-in strata-mini guest from its own overlay, so many VMs share one base image.
        </EmptyState>
      )}
      {vms && vms.length > 0 && (
        <div className="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
          <table className="w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-900/60">
              <tr>
                <th className="px-4 py-2.5 font-medium">Name</th>
                <th className="px-4 py-2.5 font-medium">State</th>
                <th className="px-4 py-2.5 font-medium">vCPUs</th>
                <th className="px-4 py-2.5 font-medium">Memory</th>
                <th className="px-4 py-2.5 font-medium">Accelerator</th>
                <th className="px-4 py-2.5 font-medium">Disk I/O (5 min)</th>
                <th className="px-4 py-2.5" />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {vms.map((vm) => (
                <tr key={vm.id} data-testid={`vm-row-${vm.name}`} className="hover:bg-slate-50 dark:hover:bg-slate-800/40">
                  <td className="px-4 py-2.5 font-medium">
                    <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to={`/vms/${vm.id}`}>
                      {vm.name}
                    </Link>
                  </td>
                  <td className="px-4 py-2.5">
                    <StateBadge state={vm.state} />
                  </td>
                  <td className="px-4 py-2.5">{vm.vcpus}</td>
                  <td className="px-4 py-2.5">{vm.memoryMiB} MiB</td>
                  <td className="px-4 py-2.5 uppercase text-slate-500">
                    {vm.hypervisor === 'uml' ? 'UML' : (vm.runningAccelerator ?? vm.accelerator)}
                  </td>
                  <td className="px-4 py-2.5">
                    <Sparkline
                      testId={`spark-${vm.name}`}
                      values={(metrics.vms.get(vm.id) ?? [])
                        .slice(-300)
                        .map((s) => s.disks.reduce((sum, d) => sum + d.readBps + d.writeBps, 0))}
                    />
                  </td>
                  <td className="px-4 py-2.5">
                    <div className="flex justify-end gap-2">
                      <VmPowerButtons vm={vm} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && <CreateVmDialog vms={vms ?? []} onClose={closeCreate} initialImage={clone} />}
    </>
  );
}
