import type { CloneMode, Job, Vm } from '@strata/contract';
import { StrataError, conflict } from './errors.js';
import { withNameReserved } from './image-locks.js';
import { createLayer } from './layers.js';
import { publishVerified } from './publish-verified.js';
import type { JobContext } from './job-service.js';
import type { ImageRecord, VmRecord } from './records.js';
import { writeVerified } from './image-rewrite.js';
import type { VmContext } from './vm-context.js';
import { freshTop, snapshotCow } from './vm-disks.js';
import { bootableChains } from './vm-lifecycle.js';
import { isActive } from './vm-state.js';

/**
 * A new VM from a stopped one. Full: every disk's whole chain copied into a standalone image of the
 * clone's own (a job). Linked: the source's top frozen as a read-only layer (a snapshot named
 * after the clone) and the clone's new layer on it, so both share what the source held then.
 */
export interface VmClones {
  clone(vmId: string, body: { name: string; mode: CloneMode }): Promise<{ job: Job } | { vm: Vm }>;
}

export type CloneDeps = Pick<VmContext, 'deps' | 'lock' | 'mustGet' | 'publish' | 'busy' | 'driverFor' | 'liveOf'>;

type Chains = ReturnType<typeof bootableChains>;

/**
 * A running guest changes its disk under the copy; a live snapshot would only be crash-consistent,
 * so Strata clones stopped VMs only.
 */
function checkSource(d: CloneDeps, vm: VmRecord, name: string): Chains {
  if (isActive(vm.state))
    throw new StrataError(
      'conflict',
      'requires_stop',
      `stop VM '${vm.name}' first: a running guest changes its disks under the copy, and Strata clones only what it can copy consistently`,
      'params.id',
    );
  const busy = d.busy(vm.id);
  if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy}`);
  if (d.deps.vms.findByName(name)) throw new StrataError('conflict', 'name_taken', `a VM named '${name}' exists already`, 'body.name');
  return bootableChains(d, vm, d.driverFor(vm));
}

/**
 * The clone's record: the source's settings on new disks. Shares, a UML root share and port
 * forwards are left out: two VMs on one root file system, or on one host port, collide.
 */
function cloneRecord(d: CloneDeps, source: VmRecord, id: string, name: string, disks: VmRecord['disks']): VmRecord {
  const { deps } = d;
  const { agent: _agent, ...settings } = source;
  return {
    ...settings,
    id,
    name,
    state: 'defined',
    disks,
    shares: [],
    umlRootShareId: null,
    network: { ...source.network, forwards: [] },
    runningAccelerator: null,
    shutdownDeadline: null,
    pid: null,
    stopRequested: false,
    pending: null,
    lastError: null,
    createdAt: deps.now(),
    startedAt: null,
  };
}

/** One disk's chain as one new file: a standalone qcow2 (QEMU), or a plain base a UML COW can stand on. */
async function copyChain(d: CloneDeps, job: JobContext, chain: ImageRecord[], target: string, progress: (p: number) => void) {
  const { files } = d.deps;
  const top = chain[0]!;
  if (top.format !== 'uml-cow') {
    await writeVerified(d.deps, job, top, target, 'qcow2', (tmp) =>
      files.convert(top.path, top.format, tmp, { format: 'qcow2', onProgress: progress, signal: job.signal }),
    );
    return 'qcow2' as const;
  }
  const backing = chain[1]!;
  const tmp = `${target}.tmp-${d.deps.newId()}`;
  job.journal({ tmp });
  await publishVerified(files, tmp, target, async () => {
    if (top.pendingFirstUse) return files.copy(backing.path, tmp, job.signal);
    await files.umlMerge(top.path, backing.path, tmp, { onProgress: progress, signal: job.signal });
    const wrong = await files.verifyUmlMerge(top.path, backing.path, tmp);
    if (wrong) throw new Error(`the copy failed verification: ${wrong}`);
  });
  return 'raw' as const;
}

const standalone = (
  d: CloneDeps,
  id: string,
  name: string,
  path: string,
  format: ImageRecord['format'],
  owner: string,
  chain: ImageRecord[],
): ImageRecord => ({
  id,
  name,
  path,
  format,
  parentId: null,
  virtualSize: chain[0]!.virtualSize,
  protected: false,
  ownerVmId: owner,
  boot: chain.map((l) => l.boot).find((b) => b !== null) ?? null,
  parentFingerprint: null,
  invalidReason: null,
  snapshot: null,
  createdAt: d.deps.now(),
});

/** A copy holds at most what the chain's files hold on disk now (a merge drops what upper layers mask). */
function checkSpace(d: CloneDeps, chains: Chains): void {
  const { files } = d.deps;
  const needed = chains.flatMap(({ chain }) => chain).reduce((sum, l) => sum + (files.exists(l.path) ? files.allocatedSize(l.path) : 0), 0);
  const free = files.freeSpace();
  if (needed > free)
    throw conflict(
      'insufficient_space',
      `a full copy needs up to ${needed} bytes; the image store has ${free} free. A linked clone needs almost none`,
    );
}

function fullClone(d: CloneDeps, source: VmRecord, name: string, chains: Chains): Job {
  const { deps } = d;
  return deps.jobs.start({
    kind: 'image',
    title: `full clone of ${source.name} as ${name}`,
    // Held by this job, the source neither starts nor is deleted while its layers are read.
    vmId: source.id,
    run: async (job) => {
      const cloneId = deps.newId();
      const copies: ImageRecord[] = [];
      const made: { id: string; format: 'raw' | 'qcow2' }[] = [];
      try {
        for (const [i, { disk, chain }] of chains.entries()) {
          const id = deps.newId();
          const uml = chain[0]!.format === 'uml-cow';
          const target = deps.files.pathFor(id, uml ? 'raw' : 'qcow2');
          // Every copy is journaled before it is made: a restart removes them all unless the clone was committed.
          made.push({ id, format: uml ? 'raw' : 'qcow2' });
          job.journal({ clone: { vmId: cloneId, copies: [...made] } });
          const step = (p: number) => job.progress((i + p * 0.9) / chains.length);
          const format = await copyChain(d, job, chain, target, step);
          copies.push(standalone(d, id, `${name}-${disk.id}${uml ? '-base' : ''}`, target, format, cloneId, chain));
        }
      } catch (err) {
        for (const copy of copies) await deps.files.removeFile(copy.path);
        throw err;
      }
      try {
        return await withNameReserved(deps.vms, name, () => commitFull(d, source, name, chains, cloneId, copies));
      } catch (err) {
        for (const copy of copies) {
          deps.images.remove(copy.id);
          await deps.files.removeFile(copy.path);
        }
        const why =
          err instanceof StrataError && err.code === 'name_taken'
            ? `a VM named '${name}' was made while the disks were copied`
            : String(err);
        throw new Error(`${why}; the copies were removed`);
      }
    },
  });
}

/** The copies and the clone's record go in together, under the clone's name. */
async function commitFull(d: CloneDeps, source: VmRecord, name: string, chains: Chains, cloneId: string, copies: ImageRecord[]) {
  const { deps } = d;
  for (const copy of copies) deps.images.insert(copy);
  const clone = cloneRecord(d, source, cloneId, name, []);
  const disks: VmRecord['disks'] = [];
  for (const [i, { disk }] of chains.entries()) {
    const copy = copies[i]!;
    const top = copy.format === 'raw' ? await freshTop(d, clone, disk.id, copy) : copy;
    disks.push({ ...disk, imageId: top.id });
  }
  deps.vms.insert({ ...clone, disks, imageId: copies[0]?.id ?? source.imageId });
  deps.events.emit({ type: 'images.changed' });
  await d.publish(deps.vms.get(cloneId)!);
  return `${name} is a full clone of ${source.name}: ${copies.length} disk(s) copied into images of its own`;
}

/** The source's top frozen (read-only, named after the clone) with a new top for the source; returns the frozen layer. */
async function freeze(
  d: CloneDeps,
  source: VmRecord,
  diskId: string,
  chain: ImageRecord[],
  cloneName: string,
): Promise<{ frozen: ImageRecord; sourceTop: ImageRecord }> {
  const { deps } = d;
  const top = chain[0]!;
  const snapshot = { name: `clone-${cloneName}`, description: `frozen when ${cloneName} was cloned from it`, takenAt: deps.now() };
  // A UML COW that UML has not made yet holds nothing: the disk is its base, which the clone can share as it is.
  if (top.pendingFirstUse) return { frozen: chain[1]!, sourceTop: top };
  if (top.format === 'uml-cow') {
    const sourceTop = await snapshotCow(d, source, diskId, top, snapshot);
    return { frozen: deps.images.get(sourceTop.parentId!)!, sourceTop };
  }
  const sourceTop = await createLayer(deps, top, { name: `${source.name}-${diskId}`, ownerVmId: source.id });
  return { frozen: deps.images.update(top.id, { snapshot, name: `${source.name}-${diskId}@${snapshot.name}` }), sourceTop };
}

async function linkedClone(d: CloneDeps, source: VmRecord, name: string, chains: Chains): Promise<Vm> {
  const { deps } = d;
  const clone = cloneRecord(d, source, deps.newId(), name, []);
  const sourceDisks = source.disks.map((x) => ({ ...x }));
  const made: ImageRecord[] = [];
  try {
    for (const { disk, chain } of chains) {
      const { frozen, sourceTop } = await freeze(d, source, disk.id, chain, name);
      sourceDisks.find((x) => x.id === disk.id)!.imageId = sourceTop.id;
      deps.vms.update(source.id, { disks: sourceDisks });
      const top = await freshTop(d, clone, disk.id, frozen);
      made.push(top);
      clone.disks.push({ ...disk, imageId: top.id });
    }
    deps.vms.insert(clone);
  } catch (err) {
    for (const layer of made) {
      deps.images.remove(layer.id);
      await deps.files.removeFile(layer.path);
    }
    throw err;
  }
  deps.events.emit({ type: 'images.changed' });
  await d.publish(deps.vms.get(source.id)!);
  return d.publish(clone);
}

export function createVmClones(d: CloneDeps): VmClones {
  return {
    clone: (vmId, { name, mode }) =>
      d.lock.run(vmId, async () => {
        const source = d.mustGet(vmId);
        const chains = checkSource(d, source, name);
        // The name is held from here to the clone's record: a create or clone racing for it gets 409 before anything is frozen.
        if (mode === 'linked') return { vm: await withNameReserved(d.deps.vms, name, () => linkedClone(d, source, name, chains)) };
        checkSpace(d, chains);
        return { job: fullClone(d, source, name, chains) };
      }),
  };
}
