// In-memory stand-ins for the ports merges and jobs use: records in maps, files as a set of paths,
// and every tool call logged, so that each branch can be driven without a process or a disk.
import { createJobService, type JobService } from '../src/job-service.js';
import type { LiveMergeHandle, MergeFiles, MergeHost } from '../src/merge-service.js';
import { createMergeService } from '../src/merge-service.js';
import type { JobRecord, LiveJobOptions, Repository, VmRepository } from '../src/ports.js';
import type { ImageRecord, VmRecord } from '../src/records.js';
import { withDefaults } from '../src/vm-defaults.js';

export function memoryRepo<T extends { id: string; name: string }>(): Repository<T> {
  const rows = new Map<string, T>();
  return {
    list: () => [...rows.values()],
    get: (id) => rows.get(id),
    findByName: (name) => [...rows.values()].filter((r) => r.name === name),
    insert: (r) => void rows.set(r.id, r),
    update: (id, patch) => {
      const current = rows.get(id);
      if (!current) throw new Error(`no row ${id}`);
      const next = { ...current, ...patch };
      rows.set(id, next);
      return next;
    },
    remove: (id) => void rows.delete(id),
  };
}

export const image = (id: string, parentId: string | null, over: Partial<ImageRecord> = {}): ImageRecord => ({
  id,
  name: id,
  path: `/data/${id}`,
  format: 'qcow2',
  parentId,
  virtualSize: 1000,
  protected: parentId === null,
  ownerVmId: null,
  boot: null,
  parentFingerprint: null,
  invalidReason: null,
  snapshot: null,
  createdAt: '',
  ...over,
});

export const vmRecord = (over: Partial<VmRecord> = {}): VmRecord =>
  withDefaults({
    id: 'vm1',
    name: 'alpha',
    cpu: { sockets: 1, cores: 1, threads: 1 },
    state: 'stopped',
    disks: [{ id: 'disk0', imageId: 'top', bus: 'virtio' }],
    ...over,
  });

type Call = [string, ...unknown[]];

/** Files as a set of paths; each tool's answer can be set per test. */
export function fakeFiles(paths: string[]) {
  const present = new Set(paths);
  const calls: Call[] = [];
  const answers = {
    commitInPlace: null as string | null,
    streamInPlace: null as string | null,
    verifyUmlInPlace: null as string | null,
    verifyUmlMerge: null as string | null,
    sameContent: true,
    backingOf: null as string | null,
  };
  const log =
    <A extends unknown[], R>(name: string, answer: (...args: A) => R) =>
    (...args: A): R => {
      calls.push([name, ...args]);
      return answer(...args);
    };
  const files: MergeFiles = {
    allocatedSize: () => 10,
    backingOf: log('backingOf', async () => answers.backingOf),
    backingStamp: log('backingStamp', () => ({ mtime: 111, size: 1000 })),
    check: log('check', async () => undefined),
    commitInPlace: log('commitInPlace', async () => answers.commitInPlace),
    convert: log('convert', async (_s: string, _f: string, target: string) => void present.add(target)),
    cowHeader: () => ({
      version: 3,
      broken: false,
      backingFile: '/data/base',
      backingMtime: 99,
      backingSize: 1000,
      sectorSize: 512,
      alignment: 512,
      bitmapOffset: 1024,
      dataOffset: 4096,
    }),
    createOverlay: log('createOverlay', async (_p: ImageRecord, id: string) => {
      present.add(`/data/${id}`);
      return { path: `/data/${id}`, virtualSize: 1000 };
    }),
    exists: (path) => present.has(path),
    fingerprint: (path) => (present.has(path) ? { dev: 1, ino: 2, size: 1000, mtimeNs: '1', ctimeNs: '1', sha256: null } : null),
    freeSpace: () => 1e12,
    pathFor: (id, format) => `/data/${id}.${format}`,
    protect: log('protect', async () => undefined),
    removeFile: log('removeFile', async (path: string) => void present.delete(path)),
    rename: log('rename', async (from: string, to: string) => {
      present.delete(from);
      present.add(to);
    }),
    sameContent: log('sameContent', async () => answers.sameContent),
    sha256: async () => 'hash',
    streamInPlace: log('streamInPlace', async () => answers.streamInPlace),
    sync: log('sync', async () => undefined),
    umlMerge: log('umlMerge', async (_c: string, _b: string, target: string) => void present.add(target)),
    umlMergeInPlace: log('umlMergeInPlace', async () => undefined),
    unprotect: log('unprotect', async () => undefined),
    verifyUmlInPlace: log('verifyUmlInPlace', async () => answers.verifyUmlInPlace),
    verifyUmlMerge: log('verifyUmlMerge', async () => answers.verifyUmlMerge),
  };
  const called = (name: string) => calls.filter((c) => c[0] === name);
  return { files, present, calls, called, answers };
}

/** A running VM's live disks: each block job resolves at once (or as `pivot` says). */
export function fakeLiveDisks(active: () => string) {
  const calls: Call[] = [];
  const handle: LiveMergeHandle = {
    snapshotDisk: async (diskId, path) => void calls.push(['snapshotDisk', diskId, path]),
    commitDisk: async (diskId: string, parent: string, options: LiveJobOptions) => {
      calls.push(['commitDisk', diskId, parent]);
      options.onReady?.();
    },
    streamDisk: async (diskId) => void calls.push(['streamDisk', diskId]),
    mirrorDisk: async (diskId, target) => void calls.push(['mirrorDisk', diskId, target]),
    settleBlockJobs: async () => void calls.push(['settleBlockJobs']),
    activeFile: async () => active(),
  };
  return { handle, calls };
}

/** A gate a test opens when it wants the queued work to go on. */
export function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * One VM's records, files, job service and merge service, all in memory. `images` are the
 * layers, `vm` the VM whose disk0 stands on `top`.
 */
export function mergeWorld(images: ImageRecord[], vm: VmRecord = vmRecord(), options: { jobs?: JobRecord[] } = {}) {
  const imageRepo = memoryRepo<ImageRecord>();
  images.forEach((i) => imageRepo.insert(i));
  const vmRows = memoryRepo<VmRecord>();
  vmRows.insert(vm);
  const vms: VmRepository = { ...vmRows, findByName: (name) => vmRows.findByName(name)[0] };
  const jobRows = memoryRepo<JobRecord>();
  (options.jobs ?? []).forEach((j) => jobRows.insert(j));
  const disk = fakeFiles(images.map((i) => i.path));
  const events: unknown[] = [];
  const published: string[] = [];
  let counter = 0;
  const newId = () => `id${(counter++).toString().padStart(4, '0')}`;
  const now = () => '2026-01-01T00:00:00Z';
  const jobs: JobService = createJobService({ jobs: jobRows, events: { emit: (e) => void events.push(e) }, newId, now });
  const live = new Map<string, { handle: LiveMergeHandle }>();
  /** VMs whose process runs but is not attached, with the reason. */
  const unattached = new Map<string, string>();
  /** Work on the VM waits here while a test holds the gate. */
  let lockGate: Promise<void> = Promise.resolve();
  const host: MergeHost = {
    deps: {
      images: imageRepo,
      vms,
      files: disk.files,
      events: { emit: (e) => void events.push(e) },
      newId,
      now,
      vmDir: (id) => `/vms/${id}`,
    },
    live,
    unattached: (vmId) => unattached.get(vmId),
    lock: { run: async (_key, work) => lockGate.then(work) },
    publish: async (r) => void published.push(r.id),
    bootOf: () => null,
  };
  const merges = createMergeService(host, jobs);
  return {
    images: imageRepo,
    vms,
    jobRows,
    jobs,
    merges,
    live,
    unattached,
    events,
    published,
    ...disk,
    holdLock(until: Promise<void>) {
      lockGate = until;
    },
  };
}

/** A job the last server process left running, with the journal it wrote. */
export const leftRunning = (journal: Record<string, unknown>, kind = 'merge'): JobRecord => ({
  id: 'died',
  name: 'died',
  kind,
  state: 'running',
  progress: 0.5,
  title: 'commit top',
  vmId: 'vm1',
  imageId: 'top',
  journal,
  createdAt: '',
  updatedAt: '',
});
