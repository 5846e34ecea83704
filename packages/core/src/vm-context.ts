import type { HostInfo, Hypervisor, Vm } from '@strata/contract';
import { StrataError, notFound } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import { chainOf } from './image-chain.js';
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
import type { PathFs } from './share-path.js';
import { shareWarnings } from './vm-shares.js';
import { mountCommand } from './share-options.js';
import type { VmRecord } from './records.js';
import { topologyWarnings, vcpuCount } from './vm-spec.js';

export interface VmServiceDeps {
  vms: VmRepository;
  images: ImageRepository;
  files: ImageFiles;
  drivers: Partial<Record<Hypervisor, HypervisorDriver>>;
  host: HostProvider;
  affinity: ThreadAffinity;
  events: EventSink;
  vmDir(id: string): string;
  newId(): string;
  now(): string;
  defaultImage: string;
  shares: ShareRepository;
  shareRoots: string[];
  pathFs: PathFs;
  /** Clears set-id bits beneath a share directory (walked without following links); returns what changed. */
  scrubShare?(share: { path: string; root: string }): string[];
  /** What long work (a merge) holds this VM, if any: nothing may start it meanwhile. */
  busy(vmId: string): string | null;
}

export interface Live {
  handle: RunningVm;
  exited: Promise<void>;
  shutdownTimer?: NodeJS.Timeout;
}

/** What the lifecycle and configuration halves of the VM service share. */
export function createVmContext(deps: VmServiceDeps) {
  const live = new Map<string, Live>();
  const lock = new KeyedMutex();

  /** `known` spares a list from asking the host once per VM. */
  const toVm = async (r: VmRecord, known?: HostInfo): Promise<Vm> => {
    const host = known ?? (await deps.host.info());
    const limits = { logicalCpus: host.cpu.logicalCpus, memoryBytes: host.memory.totalBytes };
    const { stopRequested: _internal, imageId, ...rest } = r;
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
      warnings: [...topologyWarnings(r.cpu, limits), ...shareWarnings(r)],
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
    if (!entry) throw new StrataError('conflict', 'not_running', `VM '${vm.name}' has no running process`);
    return entry;
  };

  /** Applies the VM's pinning to its vCPU threads and, if asked, its other threads. */
  const applyPinning = async (vm: VmRecord, handle: RunningVm): Promise<void> => {
    const only = vm.pinning.vcpus.find((p) => p.index === 0);
    if (handle.pinAll) {
      if (only) await handle.pinAll(only.cpus);
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

  /** The boot spec of a layer's chain: the default guest's kernel sits on its root base. */
  const bootOf = (imageId: string) =>
    chainOf(imageId, new Map(deps.images.list().map((i) => [i.id, i])))
      .map((l) => l.boot)
      .find((b) => b !== null) ?? null;

  return { deps, live, lock, toVm, publish, mustGet, driverFor, liveOf, applyPinning, bootOf };
}

export type VmContext = ReturnType<typeof createVmContext>;
