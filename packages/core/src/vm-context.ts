import type { HostInfo, Hypervisor, Vm } from '@strata/contract';
import { StrataError, notAttached, notFound } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import { chainOf } from './image-chain.js';
import type { JobService } from './job-service.js';
import type { Logger } from './logger.js';
import type {
  EventSink,
  HostProvider,
  HypervisorDriver,
  ImageFiles,
  ImageRepository,
  RunningVm,
  ShareRepository,
  ThreadAffinity,
  VmRepository,
} from './ports.js';
import type { MergeHost } from './merge-service.js';
import type { PathFs } from './share-path.js';
import { autostartWarning, lostShareWarning, shareWarnings, unattachedWarning } from './vm-warnings.js';
import { mountCommand } from './share-options.js';
import type { BootSpec, VmRecord } from './records.js';
import { topologyWarnings, vcpuCount } from './vm-spec.js';
import { NO_CAPABILITIES } from './capabilities.js';

export interface VmServiceDeps {
  vms: VmRepository;
  images: ImageRepository;
  files: ImageFiles;
  drivers: Partial<Record<Hypervisor, HypervisorDriver>>;
  host: HostProvider;
  affinity: ThreadAffinity;
  events: EventSink;
  /** Long work (merges); whatever it holds for a VM keeps the VM from starting meanwhile. */
  jobs: JobService;
  logger: Logger;
  vmDir(id: string): string;
  newId(): string;
  now(): string;
  defaultImage: string;
  shares: ShareRepository;
  shareRoots: string[];
  pathFs: PathFs;
  /** Clears set-id bits beneath a share directory (walked without following links); returns what changed. */
  scrubShare?(share: { path: string; root: string }): string[];
  /** Removes the VM's directory and all beneath it, never following a link; returns what it could not remove. */
  removeVmDir?(id: string): string[];
  /** Records what Strata noticed on its own (no request made it), in the audit log. */
  audit?(entry: SupervisionAudit): void;
}

/** An audit entry of the server's own: a share daemon that died, an autostart at host boot. */
export interface SupervisionAudit {
  action: string;
  targetKind: 'vm' | 'share';
  targetId: string;
  detail: Record<string, unknown>;
}

export interface Live {
  handle: RunningVm;
  exited: Promise<void>;
  shutdownTimer?: NodeJS.Timeout;
  /** Tags of shares whose daemon died during this run. */
  lostShares?: Set<string>;
}

/** What the VM services share: the records, the processes Strata holds, and one lock per VM. */
export interface VmContext {
  readonly deps: VmServiceDeps;
  readonly live: Map<string, Live>;
  /** VMs whose process runs but could not be attached at server start, with the reason. */
  readonly unattached: Map<string, string>;
  /** VMs whose start after a host boot failed, with the reason; shown while they stay down. */
  readonly autostartFailures: Map<string, string>;
  readonly lock: KeyedMutex;
  /** The API's view of a record; `known` spares a list from asking the host once per VM. */
  toVm(record: VmRecord, known?: HostInfo): Promise<Vm>;
  /** Tells every client the VM changed, and returns its view. */
  publish(record: VmRecord): Promise<Vm>;
  mustGet(id: string): VmRecord;
  driverFor(vm: VmRecord): HypervisorDriver;
  /** The VM's process, or a 409 saying why Strata holds none. */
  liveOf(vm: VmRecord): Live;
  /** What (long) work holds this VM, if any: nothing may start it meanwhile. */
  busy(vmId: string): string | null;
  /** Applies the VM's pinning to its vCPU threads and, if asked, its other threads. */
  applyPinning(vm: VmRecord, handle: RunningVm): Promise<void>;
  /** The boot spec of a layer's chain: the default guest's kernel sits on its root base. */
  bootOf(imageId: string): BootSpec | null;
}

export function createVmContext(deps: VmServiceDeps): VmContext {
  const live = new Map<string, Live>();
  const unattached = new Map<string, string>();
  const autostartFailures = new Map<string, string>();
  const lock = new KeyedMutex();

  const capabilitiesOf = (vm: VmRecord) => deps.drivers[vm.hypervisor]?.capabilities ?? NO_CAPABILITIES;

  const toVm = async (r: VmRecord, known?: HostInfo): Promise<Vm> => {
    const host = known ?? (await deps.host.info());
    const limits = { logicalCpus: host.cpu.logicalCpus, memoryBytes: host.memory.totalBytes };
    const { stopRequested: _internal, agent: _agent, imageId, pending, ...rest } = r;
    const notAttached = unattached.get(r.id);
    return {
      ...rest,
      image: imageId,
      maxVcpus: vcpuCount(r.cpu),
      shares: r.shares.map((s) => ({
        ...s,
        pending: s.pending ?? false,
        shareName: deps.shares.get(s.shareId)?.name ?? '(deleted)',
        mountCommand: mountCommand(s),
      })),
      warnings: [
        ...(notAttached ? [unattachedWarning(notAttached)] : []),
        ...[...(live.get(r.id)?.lostShares ?? [])].map(lostShareWarning),
        ...(autostartFailures.has(r.id) && !live.has(r.id) ? [autostartWarning(autostartFailures.get(r.id)!)] : []),
        ...topologyWarnings(r.cpu, limits),
        ...shareWarnings(r),
      ],
      pending: pending ?? null,
      autostart: r.autostart === true,
      capabilities: capabilitiesOf(r),
    };
  };

  const publish = async (r: VmRecord): Promise<Vm> => {
    const vm = await toVm(r);
    deps.events.emit({ type: 'vm.changed', vm });
    return vm;
  };

  const mustGet = (id: string): VmRecord => {
    const vm = deps.vms.get(id);
    if (!vm) throw notFound('vm', id);
    return vm;
  };

  const driverFor = (vm: VmRecord): HypervisorDriver => {
    const driver = deps.drivers[vm.hypervisor];
    if (!driver) throw new StrataError('unavailable', 'hypervisor_unavailable', `no ${vm.hypervisor} driver on this host`);
    return driver;
  };

  const liveOf = (vm: VmRecord): Live => {
    const entry = live.get(vm.id);
    if (entry) return entry;
    const reason = unattached.get(vm.id);
    if (reason) throw notAttached(vm, reason);
    throw new StrataError('conflict', 'not_running', `VM '${vm.name}' has no running process`);
  };

  const applyPinning = async (vm: VmRecord, handle: RunningVm): Promise<void> => {
    if (handle.wholeVmPinning) {
      const only = vm.pinning.vcpus.find((p) => p.index === 0);
      if (only) await handle.wholeVmPinning.pinAll(only.cpus);
      return;
    }
    const threads = await handle.vcpuThreads();
    for (const pin of vm.pinning.vcpus) {
      const thread = threads.find((t) => t.index === pin.index);
      if (thread) await deps.affinity.set(thread.threadId, pin.cpus);
    }
    if (vm.pinning.emulatorCpus) {
      const vcpuTids = new Set(threads.map((t) => t.threadId));
      for (const tid of deps.affinity.threads(handle.pid)) {
        if (!vcpuTids.has(tid)) await deps.affinity.set(tid, vm.pinning.emulatorCpus);
      }
    }
  };

  const bootOf = (imageId: string) =>
    chainOf(imageId, new Map(deps.images.list().map((i) => [i.id, i])))
      .map((l) => l.boot)
      .find((b) => b !== null) ?? null;

  const busy = (vmId: string) => deps.jobs.activeFor(vmId)?.title ?? null;

  return { deps, live, unattached, autostartFailures, lock, toVm, publish, mustGet, driverFor, liveOf, busy, applyPinning, bootOf };
}

/** The merge service's narrow view: a running VM's process is seen only through its live-disk facet. */
export function mergeContextOf(ctx: VmContext): MergeHost {
  return {
    deps: ctx.deps,
    lock: ctx.lock,
    publish: ctx.publish,
    bootOf: ctx.bootOf,
    unattached: (vmId) => ctx.unattached.get(vmId),
    live: {
      get: (vmId) => {
        const disks = ctx.live.get(vmId)?.handle.liveDisks;
        return disks ? { handle: disks } : undefined;
      },
    },
  };
}
