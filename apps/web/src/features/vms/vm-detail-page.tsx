import { useState, type ReactNode } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import type { Vm } from '@strata/contract';
import { useImages } from '../../api/get-images';
import { isGone, useVm, useVmLog } from '../../api/get-vm';
import { Button } from '../../components/button';
import { Card, Facts } from '../../components/card';
import { EmptyState, ErrorBanner, Notice, PageHeader, Spinner } from '../../components/feedback';
import { TabList, TabPanel, type TabDef } from '../../components/tabs';
import { formatMiB, formatTime, plural } from '../../components/format';
import { isActive, isRunning } from '../../shared/vm-state';
import { ConsolePanel } from './console-panel';
import { StateBadge } from './state-badge';
import { DeleteVmDialog, VmPowerButtons } from './vm-actions';
import { EditVmDialog } from './edit-vm-dialog';
import { VcpuPanel } from './vcpu-panel';
import { SharesPanel } from './shares-panel';
import { MetricsPanel } from './metrics-panel';
import { UmlPanel } from './uml-panel';
import { DisksPanel } from './disks-panel';
import { PendingChanges } from './pending-changes';
import { CloneDialog } from './clone-dialog';
import { AuditLog } from '../../shared/audit-log';
import { useRole } from '../../shared/use-role';

const TABS = [
  { key: 'overview', label: 'Overview' },
  { key: 'console', label: 'Console' },
  { key: 'metrics', label: 'Metrics' },
  { key: 'vcpus', label: 'vCPUs' },
  { key: 'disks', label: 'Disks' },
  { key: 'shares', label: 'Shares' },
  { key: 'uml', label: 'UML' },
  { key: 'activity', label: 'Activity' },
] as const satisfies TabDef<string>[];
type Tab = (typeof TABS)[number]['key'];
/** Where /vms/:id leads. */
export const DEFAULT_VM_TAB: Tab = 'console';

const tabsFor = (vm: Vm): TabDef<Tab>[] => TABS.filter((t) => t.key !== 'uml' || vm.capabilities.mconsole);

type Fact = [string, ReactNode];
/** A row only where the VM's hypervisor has the thing. */
const offered = (yes: boolean, row: Fact): Fact[] => (yes ? [row] : []);
const hypervisorName = (vm: Vm) => (vm.hypervisor === 'qemu' ? 'QEMU' : 'UML');
const ACCELERATOR_WORDS: Record<Vm['accelerator'], string> = { auto: 'automatic (KVM if it works, else TCG)', kvm: 'KVM', tcg: 'TCG' };
/** The accelerator in the header: the one running, else what the VM is set to. */
const acceleratorShort = (vm: Vm) =>
  vm.runningAccelerator?.toUpperCase() ?? (vm.accelerator === 'auto' ? 'accelerator: automatic' : vm.accelerator.toUpperCase());

const BOOT_DEVICES: Record<string, string> = { a: 'floppy', c: 'disk', d: 'CD-ROM', n: 'network' };
/** "cdn" → "disk, then CD-ROM, then network". */
const bootWords = (order: string) =>
  order
    .split('')
    .map((letter) => BOOT_DEVICES[letter] ?? letter)
    .join(', then ');

function cpuFacts(vm: Vm): Fact[] {
  const caps = vm.capabilities;
  const pinned = vm.pinning.vcpus;
  return [
    [
      'vCPUs',
      <span data-testid="vcpu-count">
        {caps.multiprocessor ? `${vm.vcpus} of ${vm.maxVcpus}` : `1 (${hypervisorName(vm)} is uniprocessor)`}
      </span>,
    ],
    ...offered(caps.multiprocessor, [
      'Topology',
      <span data-testid="topology">{`${plural(vm.cpu.sockets, 'socket')} × ${plural(vm.cpu.cores, 'core')} × ${plural(vm.cpu.threads, 'thread')}`}</span>,
    ]),
    caps.cpuModels
      ? ['CPU model', vm.cpuModel ?? 'QEMU default (qemu64)']
      : ['CPU', 'the host CPU: the guest kernel runs as host processes'],
    ...offered(caps.accelerators, [
      'Accelerator',
      vm.runningAccelerator ? `${vm.runningAccelerator.toUpperCase()} (running)` : `${ACCELERATOR_WORDS[vm.accelerator]} (at next start)`,
    ]),
    [
      'Pinning',
      pinned.length === 0
        ? 'none'
        : caps.vcpuPinning === 'whole-vm'
          ? `every thread of the VM → ${pinned[0]!.cpus.join(',')}`
          : pinned.map((p) => `vCPU ${p.index} → ${p.cpus.join(',')}`).join('; '),
    ],
    // No capability names the UML memory file: it is UML's own.
    ...offered(vm.hypervisor === 'uml', ['Memory file in', vm.umlMemoryDir ?? "the VM's own directory"]),
  ];
}

function Overview({ vm, onEdit }: { vm: Vm; onEdit: () => void }) {
  const log = useVmLog(vm.id, vm.state === 'crashed' || vm.lastError !== null).data;
  const refusal = useRole().cannot('change VMs');
  const edit = (
    <Button onClick={onEdit} disabled={refusal !== undefined} title={refusal}>
      Edit
    </Button>
  );
  const caps = vm.capabilities;
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
        <Facts rows={cpuFacts(vm)} />
      </Card>
      <Card title="Devices" actions={edit}>
        <Facts
          rows={[
            ['Disks', vm.disks.map((d) => (caps.diskBuses.length > 0 ? `${d.id} (${d.bus})` : d.id)).join(', ')],
            ...offered(caps.cdrom, ['CD-ROM', vm.cdrom ?? 'empty']),
            ...offered(caps.network, ['Network', vm.network.mode === 'user' ? 'user-mode (NAT)' : 'none']),
            ...offered(caps.network, [
              'Port forwards',
              vm.network.forwards.length === 0
                ? 'none'
                : vm.network.forwards.map((f) => `${f.protocol} 127.0.0.1:${f.hostPort} → ${f.guestPort}`).join(', '),
            ]),
            ...offered(caps.bootOrder, [
              'Boot order',
              `${bootWords(vm.boot.order)}${vm.boot.once ? ` (next boot only: ${bootWords(vm.boot.once)})` : ''}${vm.boot.menu ? '; boot menu shown' : ''}`,
            ]),
            ['Shutdown timeout', `${vm.shutdownTimeoutSec} s, then forced`],
          ]}
        />
      </Card>
      <Card title="Memory and process">
        <Facts
          rows={[
            ['Memory', formatMiB(vm.memoryMiB)],
            ...offered(caps.balloon, ['Balloon target', vm.balloonMiB === null ? 'none (all memory)' : formatMiB(vm.balloonMiB)]),
            ['Hypervisor', vm.hypervisor === 'qemu' ? 'QEMU' : 'User-Mode Linux'],
            ['Process', vm.pid ?? '—'],
            // The server keeps the last start time after a stop; "Started" describes a VM that is up now.
            ...offered(isActive(vm) && vm.startedAt !== null, ['Started', formatTime(vm.startedAt)]),
            ['Created', formatTime(vm.createdAt)],
          ]}
        />
      </Card>
    </div>
  );
}

export function VmDetailPage() {
  const { id = '', tab: tabParam } = useParams();
  const navigate = useNavigate();
  const { data: vm, error, isPending } = useVm(id);
  const images = useImages().data ?? [];
  const role = useRole();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [cloning, setCloning] = useState(false);
  const [editing, setEditing] = useState(false);
  const [actionError, setActionError] = useState<Error | null>(null);
  if (isPending) return <Spinner />;
  if (isGone(error)) return <VmGone />;
  if (error || !vm) return <ErrorBanner error={error ?? 'not found'} />;
  const tabs = tabsFor(vm);
  const tab = tabs.find((t) => t.key === tabParam)?.key;
  if (!tab) return <Navigate to={`/vms/${encodeURIComponent(vm.id)}/${DEFAULT_VM_TAB}`} replace />;
  const idBase = `vm-${vm.id}`;
  const deletable = !isActive(vm);
  const refusal = role.cannot('delete VMs');

  return (
    <>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {vm.name} <StateBadge state={vm.state} />
          </span>
        }
        subtitle={`${plural(vm.vcpus, 'vCPU')} · ${formatMiB(vm.memoryMiB)} · ${vm.capabilities.accelerators ? acceleratorShort(vm) : hypervisorName(vm)}`}
        actions={
          <>
            <VmPowerButtons vm={vm} onError={setActionError} />
            <Button
              disabled={!deletable || role.cannot('clone VMs') !== undefined}
              title={
                role.cannot('clone VMs') ??
                (deletable ? undefined : 'Stop the VM to clone it: a running guest changes its disks under the copy')
              }
              onClick={() => setCloning(true)}
            >
              Clone…
            </Button>
            <Button
              variant="danger"
              disabled={!deletable || refusal !== undefined}
              title={refusal ?? (deletable ? undefined : 'Stop the VM first')}
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
      <PendingChanges vm={vm} />
      <TabList
        idBase={idBase}
        label={`${vm.name} sections`}
        tabs={tabs}
        selected={tab}
        onSelect={(t) => navigate(`/vms/${encodeURIComponent(vm.id)}/${t}`)}
      />
      <TabPanel idBase={idBase} tabKey={tab}>
        {tab === 'overview' && <Overview vm={vm} onEdit={() => setEditing(true)} />}
        {tab === 'vcpus' && <VcpuPanel vm={vm} />}
        {tab === 'console' && <ConsolePanel vmId={vm.id} running={isRunning(vm)} />}
        {tab === 'disks' && <DisksPanel vm={vm} images={images} />}
        {tab === 'shares' && <SharesPanel vm={vm} />}
        {tab === 'metrics' && <MetricsPanel vm={vm} />}
        {tab === 'uml' && <UmlPanel vm={vm} />}
        {tab === 'activity' && <AuditLog filter={{ target: vm.id }} caption={`Activity of ${vm.name}, newest first`} />}
      </TabPanel>
      {editing && <EditVmDialog vm={vm} onClose={() => setEditing(false)} />}
      {cloning && <CloneDialog vm={vm} onClose={() => setCloning(false)} />}
      {confirmDelete && <DeleteVmDialog vm={vm} onClose={() => setConfirmDelete(false)} onError={setActionError} />}
    </>
  );
}

/** No VM has this id (deleted here or elsewhere, or a mistyped address): say so once, and ask the server nothing more about it. */
function VmGone() {
  return (
    <EmptyState title="No VM with this id">
      It may have been deleted.{' '}
      <Link className="underline" to="/vms">
        Back to the list of virtual machines
      </Link>
    </EmptyState>
  );
}
