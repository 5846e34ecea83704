import { closeSync, constants, fstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BeneathError, fdProcPath, mkdirAt, openAt, openRootDir, removeTreeBeneath } from '@strata/host';
import type { BenchTarget, DiskBus } from '@strata/contract';
import {
  hypervisorOf,
  isActive,
  type BenchGuest,
  type BenchLab,
  type BenchReach,
  type BenchVariant,
  type ImageFiles,
  type ImageRepository,
  type Logger,
  type VmRecord,
  type VmRepository,
  type VmServices,
} from '@strata/core';

export interface LabDeps {
  vms: VmServices;
  vmRecords: VmRepository;
  images: ImageRepository;
  files: ImageFiles;
  /** The first share root: the benchmark's directories live there, on the file system users' shares use. */
  shareRoot: string;
  vmDir(id: string): string;
  newId(): string;
  now(): string;
  logger: Logger;
  /**
   * One more metrics round before a throwaway VM goes: its last cell ends moments before the VM
   * is removed, and its bytes would otherwise never reach the live series or the history.
   */
  settleMetrics?: () => Promise<void>;
}

/** How long a throwaway guest may take from start to its agent's first answer under TCG on a loaded host. */
const BOOT_TIMEOUT_MS = 180_000;
const DISK_BUS: Partial<Record<BenchTarget, DiskBus>> = { 'virtio-blk': 'virtio', 'virtio-scsi': 'scsi', ide: 'ide' };

/** Names that tell an operator which run a throwaway thing belongs to; cleanup goes by recorded ids, never by these. */
export const benchNames = (runId: string) => ({
  prefix: `bench-${runId}-`,
  dirName: `strata-bench-${runId}`,
  dir: (shareRoot: string) => join(shareRoot, `strata-bench-${runId}`),
});

/** The (device, inode) of the run's directory as made: cleanup removes only that directory, never whatever has its name later. */
export interface DirIdentity {
  dev: number;
  ino: number;
}

/**
 * Everything a run made, written to the job's journal before each thing is made (a share: the
 * moment it exists), so a restart removes exactly these and never an operator's VM or share that
 * merely has a bench-like name.
 */
export interface MadeRecord {
  vmIds: string[];
  shareIds: string[];
  imageIds: string[];
  runDir: DirIdentity | null;
}

export const emptyMade = (): MadeRecord => ({ vmIds: [], shareIds: [], imageIds: [], runDir: null });

/** What a cleanup did: the things removed (for the run's result) and what it could not remove, with why. */
export interface Cleanup {
  removed: string[];
  left: string[];
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const { O_RDONLY, O_DIRECTORY } = constants;

/**
 * The run's directory under the share root, held open: made beneath the held share root (a local
 * user who can write the share root could have put a symlink at that name, so it is never
 * followed), root's alone (0700) so nothing inside it can be swapped, and checked on the
 * descriptor. With `expect`, only the directory of that identity is accepted. The caller closes `fd`.
 */
function openRunDir(shareRoot: string, runId: string, expect?: DirIdentity): { fd: number; id: DirIdentity } {
  const { dirName } = benchNames(runId);
  const path = join(shareRoot, dirName);
  const rootFd = openRootDir(shareRoot);
  let fd: number;
  try {
    try {
      fd = expect ? openAt(rootFd, dirName, O_RDONLY | O_DIRECTORY) : mkdirAt(rootFd, dirName, 0o700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      fd = openAt(rootFd, dirName, O_RDONLY | O_DIRECTORY);
    }
  } catch (err) {
    if (err instanceof BeneathError && err.reason !== 'missing')
      throw new Error(`${path} is not the benchmark's own directory (a symlink or someone else's); refusing to use it`);
    throw err;
  } finally {
    closeSync(rootFd);
  }
  const st = fstatSync(fd);
  const mismatch = expect && (st.dev !== expect.dev || st.ino !== expect.ino);
  if (mismatch || !st.isDirectory() || st.uid !== process.getuid!() || (st.mode & 0o077) !== 0) {
    closeSync(fd);
    throw new Error(
      mismatch
        ? `${path} was moved or replaced`
        : `${path} is not the benchmark's own directory (a symlink or someone else's); refusing to use it`,
    );
  }
  return { fd, id: { dev: st.dev, ino: st.ino } };
}

/** Makes (or finds again) the run's directory; its path, for the share records, and its identity, for the cleanup. */
export function runDir(d: Pick<LabDeps, 'shareRoot'>, runId: string, expect?: DirIdentity): { path: string; id: DirIdentity } {
  const { fd, id } = openRunDir(d.shareRoot, runId, expect);
  closeSync(fd);
  return { path: benchNames(runId).dir(d.shareRoot), id };
}

/**
 * Removes the run's directory and all in it by descriptor (nothing followed, a symlink unlinked
 * itself), but only when it is still the directory the run made; otherwise nothing in it is touched.
 */
export function removeRunDir(shareRoot: string, runId: string, id: DirIdentity | null): Cleanup {
  const path = benchNames(runId).dir(shareRoot);
  if (!id) return { removed: [], left: [] };
  try {
    const left = removeTreeBeneath(shareRoot, benchNames(runId).dirName, id);
    return left.length ? { removed: [], left: left.map((l) => `could not remove ${l}`) } : { removed: [path], left: [] };
  } catch (err) {
    return { removed: [], left: [`could not remove ${path}: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

/** Removes one share directory inside the run's directory, held open and checked to be the run's own. */
function removeInRunDir(shareRoot: string, runId: string, id: DirIdentity | null, name: string): string[] {
  if (!id) return [];
  const { fd } = openRunDir(shareRoot, runId, id);
  try {
    return removeTreeBeneath(fdProcPath(fd), name);
  } finally {
    closeSync(fd);
  }
}

/** A disk size no other disk of the guest has, so the agent finds it by size alone. */
const diskBytes = (sizeMiB: number) => (sizeMiB + 17) * 1048576;

interface Made {
  vmId: string;
  shareIds: string[];
  /** Names inside the run's directory. */
  dirs: string[];
  scratch: string | null;
}

/** The run's own record of what it made, and where each addition is written down (the job's journal). */
interface Ledger {
  made: MadeRecord;
  write(): void;
}

/** The run's directory, made on first need and its identity written down before anything goes into it. */
function ensureRunDir(d: LabDeps, runId: string, ledger: Ledger): string {
  const { path, id } = runDir(d, runId, ledger.made.runDir ?? undefined);
  if (!ledger.made.runDir) {
    ledger.made.runDir = id;
    ledger.write();
  }
  return path;
}

async function attachVariants(
  d: LabDeps,
  runId: string,
  vm: VmRecord,
  target: BenchTarget,
  variants: BenchVariant[],
  made: Made,
  ledger: Ledger,
) {
  const root = ensureRunDir(d, runId, ledger);
  const reach = new Map<string, BenchReach>();
  for (const [i, variant] of variants.entries()) {
    const tag = `b${target.replace(/[^a-z0-9]/g, '')}${i}`;
    const name = `${vm.name.slice(-12)}-${tag}`;
    const held = openRunDir(d.shareRoot, runId, ledger.made.runDir!);
    try {
      closeSync(mkdirAt(held.fd, name, 0o755));
    } finally {
      closeSync(held.fd);
    }
    made.dirs.push(name);
    const share = d.vms.shares.createShare({ name: `${vm.name}-${tag}`, path: join(root, name) });
    made.shareIds.push(share.id);
    ledger.made.shareIds.push(share.id);
    ledger.write();
    const transport = target === '9p' ? '9p' : target === 'virtiofs' ? 'virtiofs' : 'hostfs';
    const options =
      transport === 'virtiofs'
        ? { cache: String(variant.options.cache) }
        : transport === '9p' && typeof variant.options.msize === 'number'
          ? { msize: Math.min(variant.options.msize, 104857600) }
          : undefined;
    await d.vms.shares.attachShare(vm.id, { shareId: share.id, transport, tag, ...(options ? { options } : {}) });
    reach.set(variant.variant, { kind: 'mount', transport, tag });
  }
  return reach;
}

/** A blank qcow2 disk in the image store (the same file system as the shares by default), owned by the VM so it goes with it. */
async function addBlankDisk(d: LabDeps, vm: VmRecord, bus: DiskBus, sizeBytes: number, ledger: Ledger): Promise<void> {
  const id = d.newId();
  ledger.made.imageIds.push(id);
  ledger.write();
  const path = d.files.pathFor(id, 'qcow2');
  await d.files.createBlank(path, { format: 'qcow2', sizeBytes });
  d.images.insert({
    id,
    name: `${vm.name}-disk1`,
    path,
    format: 'qcow2',
    parentId: null,
    virtualSize: sizeBytes,
    protected: false,
    ownerVmId: vm.id,
    boot: null,
    parentFingerprint: null,
    invalidReason: null,
    snapshot: null,
    createdAt: d.now(),
  });
  d.vmRecords.update(vm.id, { disks: [...vm.disks, { id: 'disk1', imageId: id, bus }] });
}

/** Pings until the guest's agent answers: the VM has booted and its agent listens. */
async function awaitAgent(d: LabDeps, vmId: string, signal: AbortSignal): Promise<BenchGuest['agent']> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline && !signal.aborted) {
    const handle = d.vms.runtime.running(vmId);
    if (!handle) throw new Error(`the VM stopped while booting: ${d.vmRecords.get(vmId)?.lastError ?? 'no reason recorded'}`);
    if (!handle.agent) throw new Error('the VM was started without the benchmark agent');
    const agent = handle.agent;
    const reply = await agent.call({ op: 'ping' }, { timeoutMs: 5000, signal }).catch((err: unknown) => {
      last = err instanceof Error ? err.message : String(err);
      return null;
    });
    if (reply?.ok) return agent;
    await sleep(1000, signal);
  }
  throw new Error(signal.aborted ? 'cancelled' : `the guest's agent did not answer within ${BOOT_TIMEOUT_MS / 1000} s (${last})`);
}

/** Stops (forced) and deletes a throwaway VM, its shares and directories; logs, never throws. */
async function removeMade(d: LabDeps, runId: string, runDirId: DirIdentity | null, made: Made, out: Cleanup): Promise<void> {
  const step = async (what: string, fn: () => unknown) => {
    try {
      await fn();
      return true;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      d.logger.warn({ vmId: made.vmId, err: why }, `benchmark cleanup: ${what} failed`);
      out.left.push(`could not remove ${what}: ${why}`);
      return false;
    }
  };
  const vm = d.vmRecords.get(made.vmId);
  if (vm && isActive(vm.state)) await step(`VM ${vm.name} (stopping it failed)`, () => d.vms.lifecycle.stop(made.vmId));
  if (made.scratch) await step('the scratch disk', () => rmSync(made.scratch!, { force: true }));
  if (vm && d.vmRecords.get(made.vmId) && (await step(`VM ${vm.name}`, () => d.vms.config.remove(made.vmId))))
    out.removed.push(`VM ${vm.name}`);
  for (const id of made.shareIds) {
    const share = d.vms.shares.listShares().find((s) => s.id === id);
    if (share && (await step(`share ${share.name}`, () => d.vms.shares.deleteShare(id)))) out.removed.push(`share ${share.name}`);
  }
  for (const dir of made.dirs)
    await step(`directory ${dir}`, () => {
      const left = removeInRunDir(d.shareRoot, runId, runDirId, dir);
      if (left.length) throw new Error(left.join('; '));
    });
}

export interface RunLab extends BenchLab {
  /** The accelerator the first QEMU guest really ran under, once one has started. */
  accelerator(): 'kvm' | 'tcg' | null;
  /** Whatever the run made and has not removed yet (cancel, failure), and what it removed over the whole run. */
  removeAll(): Promise<Cleanup>;
}

/** `record` writes down what the run made (the job's journal) each time it grows, before the thing is made. */
export function createBenchLab(d: LabDeps, runId: string, sizeMiB: number, record: (made: MadeRecord) => void = () => {}): RunLab {
  const live = new Map<string, Made>();
  const ledger: Ledger = { made: emptyMade(), write: () => record(structuredClone(ledger.made)) };
  const done: Cleanup = { removed: [], left: [] };
  let count = 0;
  let accelerator: 'kvm' | 'tcg' | null = null;
  return {
    accelerator: () => accelerator,
    async boot(target, variants, signal) {
      const hypervisor = hypervisorOf(target);
      const name = `${benchNames(runId).prefix}${target}-${++count}`;
      const id = d.newId();
      ledger.made.vmIds.push(id);
      ledger.write();
      const made: Made = { vmId: id, shareIds: [], dirs: [], scratch: null };
      live.set(id, made);
      const vm = await d.vms.config.create({ name, hypervisor, memoryMiB: 256 }, { agent: true, id });
      const record = d.vmRecords.get(vm.id)!;
      const bus = DISK_BUS[target];
      let reach = new Map<string, BenchReach>();
      if (bus) await addBlankDisk(d, record, bus, diskBytes(sizeMiB), ledger);
      else if (target !== 'ubd') reach = await attachVariants(d, runId, record, target, variants, made, ledger);
      await d.vms.lifecycle.start(vm.id);
      const started = d.vmRecords.get(vm.id);
      if (hypervisor === 'qemu' && started?.runningAccelerator) accelerator ??= started.runningAccelerator;
      const agent = await awaitAgent(d, vm.id, signal);
      if (target === 'ubd') made.scratch = (await d.vms.uml.addScratchDisk(vm.id, sizeMiB + 17)).path;
      return {
        vmId: vm.id,
        agent,
        reach: (variant) => reach.get(variant.variant) ?? { kind: 'device', sizeBytes: diskBytes(sizeMiB) },
        exitReason: () => {
          const now = d.vmRecords.get(vm.id);
          if (d.vms.runtime.running(vm.id) && now && isActive(now.state)) return null;
          return now?.lastError?.split('\n')[0] ?? `the VM is ${now?.state ?? 'gone'}`;
        },
      };
    },
    async dispose(guest) {
      const made = live.get(guest.vmId);
      if (!made) return;
      live.delete(guest.vmId);
      await d.settleMetrics?.().catch(() => undefined);
      await removeMade(d, runId, ledger.made.runDir, made, done);
    },
    async removeAll() {
      for (const made of [...live.values()]) await removeMade(d, runId, ledger.made.runDir, made, done);
      live.clear();
      const dir = removeRunDir(d.shareRoot, runId, ledger.made.runDir);
      return { removed: [...done.removed, ...dir.removed], left: [...done.left, ...dir.left] };
    },
  };
}

/**
 * After a restart: exactly the VMs, shares and directory the journal says the run made (by id and
 * by the directory's identity, never by name) are stopped and removed.
 */
export async function removeRunLeftovers(d: LabDeps, runId: string, made: MadeRecord): Promise<Cleanup> {
  const out: Cleanup = { removed: [], left: [] };
  for (const vmId of made.vmIds) {
    const had = d.vmRecords.get(vmId);
    await removeMade(d, runId, made.runDir, { vmId, shareIds: [], dirs: [], scratch: null }, out);
    if (had) removeScratchDisks(join(d.vmDir(vmId), 'disks'));
  }
  await removeMade(d, runId, made.runDir, { vmId: '', shareIds: made.shareIds, dirs: [], scratch: null }, out);
  const dir = removeRunDir(d.shareRoot, runId, made.runDir);
  return { removed: [...out.removed, ...dir.removed], left: [...out.left, ...dir.left] };
}

/** UML's scratch disks (scratch-ubdN.raw in the VM's disks directory) are not image records: removed by name. */
function removeScratchDisks(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (/^scratch-ubd\d+\.raw$/.test(name)) rmSync(join(dir, name), { force: true });
}
