import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { HostInfo } from '@strata/contract';
import { api } from '../../api/client';
import { useHost } from '../../api/get-host';
import { keys } from '../../api/keys';
import { Button } from '../../components/button';
import { useMetrics } from '../../api/metrics-stream';
import { TimeChart } from '../../components/time-chart';
import { Card, Facts } from '../../components/card';
import { ErrorBanner, Notice, PageHeader, Spinner } from '../../components/feedback';
import { formatBytes, formatTime } from '../../components/format';
import { useRole } from '../../shared/use-role';

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function HostCharts() {
  const { host } = useMetrics();
  const xs = host.map((h) => h.ts / 1000);
  const device = host.at(-1)?.disk.device ?? 'data disk';
  return (
    <Card title="Live host totals" className="lg:col-span-2">
      <div className="grid gap-4 lg:grid-cols-3">
        <TimeChart
          title="CPU (all CPUs)"
          unit="percent"
          testId="host-cpu"
          series={[{ label: 'busy', color: '#4f46e5' }]}
          data={[xs, host.map((h) => h.cpuPercent)]}
        />
        <TimeChart
          title="Memory in use"
          unit="bytes"
          testId="host-mem"
          series={[{ label: 'used', color: '#10b981' }]}
          data={[xs, host.map((h) => h.memUsedBytes)]}
        />
        <TimeChart
          title={`${device} (holds the data directory)`}
          unit="bytes/s"
          testId="host-disk"
          series={[
            { label: 'read', color: '#4f46e5' },
            { label: 'write', color: '#f59e0b' },
          ]}
          data={[xs, host.map((h) => h.disk.readBps), host.map((h) => h.disk.writeBps)]}
        />
      </div>
    </Card>
  );
}

export function HostPage() {
  const { data: host, error, isPending } = useHost();
  const qc = useQueryClient();
  const reprobe = useMutation({
    mutationFn: () => api<HostInfo>('POST', '/host/probe'),
    onSuccess: (info) => qc.setQueryData(keys.host, info),
  });
  const refusal = useRole().cannot('probe the host');
  if (isPending) return <Spinner />;
  if (error || !host) return <ErrorBanner error={error} />;
  const { cpu, accelerator: acc, usage } = host;
  return (
    <>
      <PageHeader title="Host" subtitle={`${host.hostname} · Linux ${host.kernel}`} />
      <div className="grid gap-4 lg:grid-cols-2">
        <HostCharts />
        <Card
          title="Accelerator"
          actions={
            <Button onClick={() => reprobe.mutate()} disabled={reprobe.isPending || refusal !== undefined} title={refusal}>
              {reprobe.isPending ? 'Probing…' : 'Probe again'}
            </Button>
          }
        >
          <Facts
            rows={[
              [
                'In use',
                <span data-testid="accelerator-selected" className="uppercase">
                  {acc.selected}
                </span>,
              ],
              ['/dev/kvm present', yesNo(acc.kvm.present)],
              ['KVM usable', <span data-testid="kvm-usable">{yesNo(acc.kvm.usable)}</span>],
              ['Reason', acc.kvm.reason],
              ['Probed', formatTime(acc.kvm.probedAt)],
            ]}
          />
          {acc.kvm.present && !acc.kvm.usable && (
            <div className="mt-3">
              <Notice tone="warn">
                /dev/kvm exists, but a test boot under it failed, so VMs run under TCG (software emulation): slower, but they work.
              </Notice>
            </div>
          )}
        </Card>
        <Card title="CPU">
          <Facts
            rows={[
              ['Model', cpu.model],
              ['Sockets', cpu.sockets],
              ['Cores per socket', cpu.coresPerSocket],
              ['Threads per core', cpu.threadsPerCore],
              ['Logical CPUs', cpu.logicalCpus],
              ['Hyper-threading', yesNo(cpu.hyperThreading)],
              ['Virtualization', cpu.virtualization ?? 'none exposed'],
              ['EPT / VPID', `${yesNo(cpu.ept)} / ${yesNo(cpu.vpid)}`],
            ]}
          />
        </Card>
        <Card title="Memory and load">
          <Facts
            rows={[
              ['Total memory', formatBytes(host.memory.totalBytes)],
              ['Available', formatBytes(host.memory.availableBytes)],
              ['Running VMs', usage.runningVms],
              [
                'vCPUs of running VMs',
                <span className={usage.vcpuOvercommit ? 'text-amber-700 dark:text-amber-400' : ''}>
                  {usage.runningVcpus} of {cpu.logicalCpus}
                  {usage.vcpuOvercommit ? ' — more than the host has' : ''}
                </span>,
              ],
              [
                'Memory given to running VMs',
                <span className={usage.memoryOvercommit ? 'text-amber-700 dark:text-amber-400' : ''}>
                  {formatBytes(usage.assignedMemoryBytes)}
                  {usage.memoryOvercommit ? ' — more than the host has' : ''}
                </span>,
              ],
              [
                'KSM (same-page merging)',
                host.ksm.available
                  ? `${host.ksm.running ? 'on' : 'off'} · saves about ${formatBytes(host.ksm.pagesSharing * 4096)}`
                  : 'not available',
              ],
            ]}
          />
          {usage.vcpuOvercommit && (
            <div className="mt-3">
              <Notice tone="warn">Running VMs have more vCPUs than this host has logical CPUs: they slow each other down.</Notice>
            </div>
          )}
        </Card>
        <Card title="NUMA nodes">
          {host.numaNodes.length === 0 ? (
            <p className="text-sm text-slate-500">The kernel reports no NUMA nodes: all memory is equally near every CPU.</p>
          ) : (
            <Facts rows={host.numaNodes.map((n) => [`node ${n.id}`, `CPUs ${n.cpus} · ${formatBytes(n.memTotalBytes)}`])} />
          )}
        </Card>
        <Card title="Networking">
          <Facts
            rows={[
              ['User-mode (NAT)', host.network.user.available ? 'available' : host.network.user.reason],
              ['Bridge / tap', host.network.bridge.available ? 'available' : `unavailable: ${host.network.bridge.reason}`],
            ]}
          />
        </Card>
        <Card title="Tools">
          <Facts
            rows={[
              ['QEMU', host.tools.qemu ?? 'not installed'],
              ['qemu-img', host.tools.qemuImg ?? 'not installed'],
              ['virtiofsd', host.tools.virtiofsd ?? 'not installed'],
              ['UML kernel', host.tools.umlKernel ?? 'not installed'],
              ['uml_moo (uml-utilities)', host.tools.umlMoo ?? 'not installed'],
              ['bubblewrap', host.tools.bwrap ?? 'not installed'],
            ]}
          />
        </Card>
        <Card title="Shares">
          <Facts
            rows={[
              ['Allowed roots', host.shares.roots.join(', ')],
              ['virtiofs', host.shares.virtiofs.reason],
              ['Read-only virtiofs', host.shares.virtiofsReadonly.reason],
              ['DAX', `${host.shares.dax.available ? 'available' : 'not available'}: ${host.shares.dax.reason}`],
            ]}
          />
        </Card>
      </div>
    </>
  );
}
