import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
}

/** How long a throwaway guest may take from start to its agent's first answer under TCG on a loaded host. */
const BOOT_TIMEOUT_MS = 180_000;
const DISK_BUS: Partial<Record<BenchTarget, DiskBus>> = { 'virtio-blk': 'virtio', 'virtio-scsi': 'scsi', ide: 'ide' };

/** Names that tie every throwaway thing to its run, so a restart can find and remove them. */
export const benchNames = (runId: string) => ({
  prefix: `bench-${runId}-`,
  dir: (shareRoot: string) => join(shareRoot, `strata-bench-${runId}`),
});

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

/**
 * The run's directory under the share root, made by this server: a local user who can write the
 * share root could have put a symlink at that name, so it is never followed, and it is root's alone
 * (0700) so nothing inside it can be swapped. Made once per run; later boots find it again.
 */
export function runDir(d: Pick<LabDeps, 'shareRoot'>, runId: string): string {
  const root = benchNames(runId).dir(d.shareRoot);
  try {
    mkdirSync(root, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(root);
  if (!st.isDirectory() || st.uid !== process.getuid!() || (st.mode & 0o077) !== 0)
    throw new Error(`${root} is not the benchmark's own directory (a symlink or someone else's); refusing to use it`);
  return root;
}

/** A disk size no other disk of the guest has, so the agent finds it by size alone. */
const diskBytes = (sizeMiB: number) => (sizeMiB + 17) * 1048576;

interface Made {
  vmId: string;
  shareIds: string[];
  dirs: string[];
  scratch: string | null;
}

async function attachVariants(d: LabDeps, runId: string, vm: VmRecord, target: BenchTarget, variants: BenchVariant[], made: Made) {
  const root = runDir(d, runId);
  const reach = new Map<string, BenchReach>();
  for (const [i, variant] of variants.entries()) {
    const tag = `b${target.replace(/[^a-z0-9]/g, '')}${i}`;
    const dir = join(root, `${vm.name.slice(-12)}-${tag}`);
    mkdirSync(dir, { mode: 0o755 });
    made.dirs.push(dir);
    const share = d.vms.shares.createShare({ name: `${vm.name}-${tag}`, path: dir });
    made.shareIds.push(share.id);
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
async function addBlankDisk(d: LabDeps, vm: VmRecord, bus: DiskBus, sizeBytes: number): Promise<void> {
  const id = d.newId();
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
async function removeMade(d: LabDeps, made: Made): Promise<void> {
  const step = async (what: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (err) {
      d.logger.warn({ vmId: made.vmId, err: err instanceof Error ? err.message : String(err) }, `benchmark cleanup: ${what} failed`);
    }
  };
  const vm = d.vmRecords.get(made.vmId);
  if (vm && isActive(vm.state)) await step('stopping the VM', () => d.vms.lifecycle.stop(made.vmId));
  if (made.scratch) await step('removing the scratch disk', () => rmSync(made.scratch!, { force: true }));
  if (d.vmRecords.get(made.vmId)) await step('deleting the VM', () => d.vms.config.remove(made.vmId));
  for (const id of made.shareIds) await step('deleting a share', () => d.vms.shares.deleteShare(id));
  for (const dir of made.dirs) await step('removing a share directory', () => rmSync(dir, { recursive: true, force: true }));
}

export interface RunLab extends BenchLab {
  /** The accelerator the first QEMU guest really ran under, once one has started. */
  accelerator(): 'kvm' | 'tcg' | null;
  /** Whatever the run made and has not removed yet (cancel, failure). */
  removeAll(): Promise<void>;
}

export function createBenchLab(d: LabDeps, runId: string, sizeMiB: number): RunLab {
  const live = new Map<string, Made>();
  let count = 0;
  let accelerator: 'kvm' | 'tcg' | null = null;
  return {
    accelerator: () => accelerator,
    async boot(target, variants, signal) {
      const hypervisor = hypervisorOf(target);
      const name = `${benchNames(runId).prefix}${target}-${++count}`;
      const vm = await d.vms.config.create({ name, hypervisor, memoryMiB: 256 }, { agent: true });
      const made: Made = { vmId: vm.id, shareIds: [], dirs: [], scratch: null };
      live.set(vm.id, made);
      const record = d.vmRecords.get(vm.id)!;
      const bus = DISK_BUS[target];
      let reach = new Map<string, BenchReach>();
      if (bus) await addBlankDisk(d, record, bus, diskBytes(sizeMiB));
      else if (target !== 'ubd') reach = await attachVariants(d, runId, record, target, variants, made);
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
      await removeMade(d, made);
    },
    async removeAll() {
      for (const made of [...live.values()]) await removeMade(d, made);
      live.clear();
      rmSync(benchNames(runId).dir(d.shareRoot), { recursive: true, force: true });
    },
  };
}

/** After a restart: every VM and share of the run found by name, stopped and removed, and its directory. */
export async function removeRunLeftovers(d: LabDeps, runId: string): Promise<number> {
  const { prefix } = benchNames(runId);
  const vms = d.vmRecords.list().filter((v) => v.name.startsWith(prefix));
  const shares = d.vms.shares.listShares().filter((s) => s.name.startsWith(prefix));
  for (const vm of vms) {
    await removeMade(d, { vmId: vm.id, shareIds: [], dirs: [], scratch: null });
    removeScratchDisks(join(d.vmDir(vm.id), 'disks'));
  }
  for (const share of shares) await removeMade(d, { vmId: '', shareIds: [share.id], dirs: [], scratch: null });
  rmSync(benchNames(runId).dir(d.shareRoot), { recursive: true, force: true });
  return vms.length;
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
