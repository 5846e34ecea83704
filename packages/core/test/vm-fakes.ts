// In-memory stand-ins for the ports the VM services use: records in maps, files that all exist,
// and a driver whose processes are plain objects the test ends, so each lifecycle branch runs
// without a process, a disk or a timer of its own.
import type { HostInfo, StrataEvent, VmCapabilities } from '@strata/contract';
import type { JobService } from '../src/job-service.js';
import type { Logger } from '../src/logger.js';
import type { ExitInfo, HypervisorDriver, ImageFiles, LaunchPlan, Repository, RunningVm, VmRepository } from '../src/ports.js';
import type { ImageRecord, VmRecord } from '../src/records.js';
import { NO_CAPABILITIES } from '../src/capabilities.js';
import { withDefaults } from '../src/vm-defaults.js';
import { createVmServices } from '../src/vm-service.js';

export function memoryRepo<T extends { id: string; name: string }>(): Repository<T> {
  const rows = new Map<string, T>();
  return {
    list: () => [...rows.values()],
    get: (id) => rows.get(id),
    findByName: (name) => [...rows.values()].filter((r) => r.name === name),
    insert: (r) => void rows.set(r.id, r),
    update: (id, patch) => {
      const next = { ...rows.get(id)!, ...patch };
      rows.set(id, next);
      return next;
    },
    remove: (id) => void rows.delete(id),
  };
}

const image = (id: string, parentId: string | null, ownerVmId: string | null): ImageRecord => ({
  id,
  name: id,
  path: `/data/${id}.qcow2`,
  format: 'qcow2',
  parentId,
  virtualSize: 1 << 30,
  protected: parentId === null,
  ownerVmId,
  boot: null,
  parentFingerprint: null,
  invalidReason: null,
  snapshot: null,
  createdAt: '',
});

/** A hypervisor process the test controls: it ends when the test (or a stop) says so. */
export class FakeProcess implements RunningVm {
  readonly console = { logPath: '/data/vm/console.log' };
  stopped = 0;
  private listeners: ((info: ExitInfo) => void)[] = [];
  constructor(readonly pid: number) {}
  onExit(listener: (info: ExitInfo) => void): void {
    this.listeners.push(listener);
  }
  exit(info: ExitInfo): void {
    for (const l of this.listeners.splice(0)) l(info);
  }
  async forceStop(): Promise<void> {
    this.stopped++;
    this.exit({ clean: true, reason: 'stopped by Strata' });
  }
  pause = async () => undefined;
  resume = async () => undefined;
  reset = async () => undefined;
  powerdown = async () => undefined;
  vcpuThreads = async () => [{ index: 0, threadId: this.pid + 1 }];
  counters = async () => ({ cpu: [], rssBytes: 0, disks: [], shares: [] });
  detach = () => undefined;
  logTail = async () => ['last words'];
}

export interface FakeDriver extends HypervisorDriver {
  launched: LaunchPlan[];
  cleaned: string[];
  /** What the next reattach does: a process, null (gone), or an error (alive but not attachable). */
  onReattach: () => Promise<RunningVm | null>;
}

export function fakeDriver(capabilities: VmCapabilities = { ...NO_CAPABILITIES, multiprocessor: true }): FakeDriver {
  let nextPid = 100;
  const driver: FakeDriver = {
    label: 'Fake',
    capabilities,
    rules: {
      checkCreate: () => undefined,
      shape: () => ({
        cpu: { sockets: 1, cores: 1, threads: 1 },
        vcpus: 1,
        cpuModel: null,
        accelerator: 'auto',
        cdrom: null,
        network: { mode: 'none', forwards: [] },
        boot: { order: 'c', menu: false },
        bus: 'virtio',
        umlMemoryDir: null,
        umlRootShareId: null,
      }),
      checkPatch: () => undefined,
      shareRefusal: () => null,
      disk: {
        baseFormat: 'qcow2',
        layerFormat: 'qcow2',
        madeAtFirstStart: null,
        bootsChain: (formats) => !formats.includes('uml-cow'),
        defaultImage: (n) => n,
        baseRefusal: () => 'no',
        foreignChain: 'wrong kind',
      },
    },
    launched: [],
    cleaned: [],
    onReattach: async () => null,
    launch: async (plan) => {
      driver.launched.push(plan);
      return new FakeProcess(nextPid++);
    },
    reattach: () => driver.onReattach(),
    logTail: async () => ['the tail of the log'],
    cleanup: async (dir) => void driver.cleaned.push(dir),
  };
  return driver;
}

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

export function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void =>
      void lines.push({ level, fields, message });
  const logger: Logger = { info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

const HOST = {
  cpu: { logicalCpus: 4 },
  memory: { totalBytes: 8 * 1024 ** 3 },
  accelerator: { selected: 'tcg', kvm: { usable: false, reason: 'no /dev/kvm' } },
} as unknown as HostInfo;

/** The VM services over fakes, with one stopped VM 'vm1' on a private top 'top' of a base 'base'. */
export function fakeWorld(driver = fakeDriver()) {
  const rows = memoryRepo<VmRecord>();
  const vms: VmRepository = { ...rows, findByName: (name) => rows.findByName(name)[0] };
  const images = memoryRepo<ImageRecord>();
  images.insert(image('base', null, null));
  images.insert(image('top', 'base', 'vm1'));
  vms.insert(
    withDefaults({
      id: 'vm1',
      name: 'one',
      hypervisor: 'qemu',
      state: 'stopped',
      cpu: { sockets: 1, cores: 1, threads: 1 },
      imageId: 'base',
      memoryMiB: 256,
      accelerator: 'auto',
      runningAccelerator: null,
      disks: [{ id: 'disk0', imageId: 'top', bus: 'virtio' }],
      pid: null,
      stopRequested: false,
      lastError: null,
      createdAt: '',
      startedAt: null,
    }),
  );
  const events: StrataEvent[] = [];
  const logLines: LogLine[] = [];
  const files = { exists: () => true, fingerprint: () => null, cowHeader: () => null } as unknown as ImageFiles;
  const recovered: number[] = [];
  const jobs = {
    activeFor: () => undefined,
    onRecover: () => undefined,
    recover: async () => void recovered.push(Date.now()),
  } as unknown as JobService;
  const services = createVmServices({
    vms,
    images,
    files,
    drivers: { qemu: driver },
    host: { info: async () => HOST, cpuModels: async () => [] },
    affinity: { set: async () => undefined, get: () => ({ affinity: [0], lastCpu: 0 }), threads: () => [] },
    events: { emit: (e) => void events.push(e) },
    jobs,
    logger: recordingLogger(logLines),
    vmDir: (id) => `/data/vms/${id}`,
    newId: () => 'new',
    now: () => '2026-01-01T00:00:00.000Z',
    defaultImage: 'base',
    shares: memoryRepo(),
    shareRoots: [],
    pathFs: { realpath: (p) => p, isDirectory: () => true },
  });
  return { services, vms, images, driver, events, logLines, recovered };
}

/** Lets the exit handler's promise chain (cleanup, scrub, publish) run to its end. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
