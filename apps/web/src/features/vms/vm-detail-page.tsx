import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import type { Vm } from '@strata/contract';
import { useImages } from '../../api/get-images';
import { useVm, useVmLog } from '../../api/get-vm';
import { useVmMutations } from '../../api/vm-actions';
import { Button } from '../../components/button';
import { Card, Facts } from '../../components/card';
import { Dialog } from '../../components/dialog';
import { ErrorBanner, Notice, PageHeader, Spinner } from '../../components/feedback';
import { formatBytes, formatTime } from '../../components/format';
import { isActive, isRunning } from '../../shared/vm-state';
import { ConsolePanel } from './console-panel';
import { StateBadge } from './state-badge';
import { VmPowerButtons } from './vm-actions';
import { EditVmDialog } from './edit-vm-dialog';
import { VcpuPanel } from './vcpu-panel';
import { SharesPanel } from './shares-panel';
import { MetricsPanel } from './metrics-panel';
import { UmlPanel } from './uml-panel';
import { DisksPanel } from './disks-panel';

const tabs = ['Overview', 'Console', 'Metrics', 'vCPUs', 'Disks', 'Shares', 'UML'] as const;
type Tab = (typeof tabs)[number];

function Overview({ vm, onEdit }: { vm: Vm; onEdit: () => void }) {
  const log = useVmLog(vm.id, vm.state === 'crashed' || vm.lastError !== null).data;
  const edit = <Button onClick={onEdit}>Edit</Button>;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      {vm.warnings.map((w) => (
        <Notice key={w} tone="warn">
          {w}
        </Notice>
      ))}
      {vm.lastError && (
        <div className="lg:col-span-2">
          <Card title={vm.state === 'crashed' ? 'The VM crashed' : 'Last error'}>
            <pre data-testid="last-error" className="whitespace-pre-wrap text-xs text-red-700 dark:text-red-300">
              {vm.lastError}
            </pre>
            {log && log.lines.length > 0 && (
              <pre className="mt-3 max-h-48 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-950">{log.lines.join('\n')}</pre>
            )}
          </Card>
        </div>
      )}
      <Card title="CPU" actions={edit}>
        {vm.hypervisor === 'uml' ? (
          <Facts
            rows={[
              ['vCPUs', <span data-testid="vcpu-count">1 (UML is uniprocessor)</span>],
              ['CPU', 'the host CPU: the guest kernel runs as host processes'],
              ['Pinning', vm.pinning.vcpus.length === 0 ? 'none' : `the whole UML process tree → ${vm.pinning.vcpus[0]!.cpus.join(',')}`],
              ['Memory file in', vm.umlMemoryDir ?? "the VM's own directory"],
            ]}
          />
        ) : (
          <Facts
            rows={[
              [
                'vCPUs',
                <span data-testid="vcpu-count">
                  {vm.vcpus} of {vm.maxVcpus}
                </span>,
              ],
              [
                'Topology',
                <span data-testid="topology">{`${vm.cpu.sockets} socket × ${vm.cpu.cores} core × ${vm.cpu.threads} thread`}</span>,
              ],
              ['CPU model', vm.cpuModel ?? 'QEMU default (qemu64)'],
              [
                'Accelerator',
                vm.runningAccelerator ? `${vm.runningAccelerator.toUpperCase()} (running)` : `${vm.accelerator} (at next start)`,
              ],
              [
                'Pinning',
                vm.pinning.vcpus.length === 0 ? 'none' : vm.pinning.vcpus.map((p) => `vCPU ${p.index} → ${p.cpus.join(',')}`).join('; '),
              ],
            ]}
          />
        )}
      </Card>
      <Card title="Devices" actions={edit}>
        <Facts
          rows={[
            ['Disks', vm.disks.map((d) => `${d.id} (${d.bus})`).join(', ')],
            ['CD-ROM', vm.cdrom ?? 'empty'],
            ['Network', vm.network.mode === 'user' ? 'user-mode (NAT)' : 'none'],
            [
              'Port forwards',
              vm.network.forwards.length === 0
                ? 'none'
                : vm.network.forwards.map((f) => `${f.protocol} 127.0.0.1:${f.hostPort} → ${f.guestPort}`).join(', '),
            ],
            ['Boot order', `${vm.boot.order}${vm.boot.once ? ` (once: ${vm.boot.once})` : ''}${vm.boot.menu ? ', menu' : ''}`],
            ['Shutdown timeout', `${vm.shutdownTimeoutSec} s, then forced`],
          ]}
        />
      </Card>
      <Card title="Memory and process">
        <Facts
          rows={[
            ['Memory', `${vm.memoryMiB} MiB`],
            ['Balloon target', vm.balloonMiB === null ? 'none (all memory)' : `${vm.balloonMiB} MiB`],
            ['Hypervisor', vm.hypervisor === 'qemu' ? 'QEMU' : 'User-Mode Linux'],
            ['Process', vm.pid ?? '—'],
            ['Started', formatTime(vm.startedAt)],
            ['Created', formatTime(vm.createdAt)],
          ]}
        />
      </Card>
    </div>
  );
}

export function VmDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { data: vm, error, isPending } = useVm(id);
  const images = useImages().data ?? [];
  const { remove } = useVmMutations();
  const [tab, setTab] = useState<Tab>('Console');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [editing, setEditing] = useState(false);
  const [actionError, setActionError] = useState<Error | null>(null);
  if (isPending) return <Spinner />;
  if (error || !vm) return <ErrorBanner error={error ?? 'not found'} />;
  const privateLayers = images.filter((i) => i.ownerVmId === vm.id);
  const deletable = !isActive(vm);

  return (
    <>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {vm.name} <StateBadge state={vm.state} />
          </span>
        }
        subtitle={`${vm.vcpus} vCPU · ${vm.memoryMiB} MiB · ${vm.runningAccelerator?.toUpperCase() ?? vm.accelerator}`}
        actions={
          <>
            <VmPowerButtons vm={vm} onError={setActionError} />
            <Button
              variant="danger"
              disabled={!deletable}
              title={deletable ? undefined : 'Stop the VM first'}
              onClick={() => setConfirmDelete(true)}
            >
              Delete
            </Button>
          </>
        }
      />
      {actionError && (
        <div className="mb-4">
          <ErrorBanner error={actionError} />
        </div>
      )}
      <div role="tablist" className="mb-4 flex gap-1 border-b border-slate-200 dark:border-slate-800">
        {tabs
          .filter((t) => t !== 'UML' || vm.hypervisor === 'uml')
          .map((t) => (
            <button
              key={t}
              role="tab"
              aria-selected={tab === t}
              type="button"
              onClick={() => setTab(t)}
              className={`-mb-px border-b-2 px-3 py-2 text-sm ${tab === t ? 'border-indigo-600 font-medium text-indigo-700 dark:text-indigo-300' : 'border-transparent text-slate-500 hover:text-slate-800 dark:hover:text-slate-200'}`}
            >
              {t}
            </button>
          ))}
      </div>
      {tab === 'Overview' && <Overview vm={vm} onEdit={() => setEditing(true)} />}
      {tab === 'vCPUs' && <VcpuPanel vm={vm} />}
      {editing && <EditVmDialog vm={vm} onClose={() => setEditing(false)} />}
      {tab === 'Console' && <ConsolePanel vmId={vm.id} running={isRunning(vm)} />}
      {tab === 'Disks' && <DisksPanel vm={vm} images={images} />}
      {tab === 'Shares' && <SharesPanel vm={vm} />}
      {tab === 'Metrics' && <MetricsPanel vm={vm} />}
      {tab === 'UML' && vm.hypervisor === 'uml' && <UmlPanel vm={vm} />}
      {confirmDelete && (
        <Dialog
          title={`Delete ${vm.name}?`}
          onClose={() => setConfirmDelete(false)}
          footer={
            <>
              <Button onClick={() => setConfirmDelete(false)}>Cancel</Button>
              <Button
                variant="danger"
                disabled={remove.isPending}
                onClick={() =>
                  remove.mutate(vm.id, {
                    onSuccess: () => navigate('/vms'),
                    onError: (e) => {
                      setConfirmDelete(false);
                      setActionError(e);
                    },
                  })
                }
              >
                Delete VM and its layers
              </Button>
            </>
          }
        >
          <p className="text-sm">This deletes the VM and its private layers. Shared base images stay.</p>
          <ul className="list-disc space-y-1 pl-5 text-sm" data-testid="layers-to-delete">
            {privateLayers.map((l) => (
              <li key={l.id}>
                <span className="font-mono">{l.path}</span> ({formatBytes(l.allocatedSize)} of data)
              </li>
            ))}
          </ul>
        </Dialog>
      )}
    </>
  );
}
