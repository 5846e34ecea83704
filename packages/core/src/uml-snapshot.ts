import type { Job } from '@strata/contract';
import { conflict } from './errors.js';
import { finished, rolledBack, type Recovery } from './job-recovery.js';
import { publishVerified } from './publish-verified.js';
import type { ImageRecord, VmRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { isActive } from './vm-state.js';

export const UML_SNAPSHOT_JOB = 'uml-snapshot';

type SnapshotDeps = Pick<VmContext, 'deps' | 'lock' | 'publish'>;
type Taken = NonNullable<ImageRecord['snapshot']>;
/** A fresh writable top on `on` for the VM's disk (vm-disks' freshTop). */
type FreshTop = (vm: VmRecord, diskId: string, on: ImageRecord) => Promise<ImageRecord>;

/** What is checked before any copy starts, so a refusal is an answer (409), not a failed job. */
function refusal(d: SnapshotDeps, vm: VmRecord, top: ImageRecord, parent: ImageRecord | undefined): string | null {
  if (isActive(vm.state)) return 'UML snapshots are taken offline: uml_moo merges the COW into a new plain file; stop the VM first';
  if (top.pendingFirstUse) return 'the COW file does not exist yet: the disk is still its base, unchanged';
  if (!parent) return `the COW's backing ${top.parentId} is unknown`;
  // The guest writes its COW: a header naming another backing file is never handed to uml_moo.
  const header = d.deps.files.cowHeader(top.path);
  if (!header) return `${top.name} has no readable UML COW header`;
  if (header.backingFile !== parent.path) return `the COW header of ${top.name} does not name its recorded backing file`;
  return null;
}

/**
 * A UML snapshot as a job: the COW merged with its backing into a new plain file by uml_moo (its
 * progress is the job's), verified sector by sector, synced and renamed into place; then, under
 * the VM's lock, the file is recorded as the snapshot, a fresh COW is put on it and the old COW
 * goes. The job holds the VM (nothing starts or edits it meanwhile) and survives a page reload
 * like any job; a cancel or failure removes the partial copy and leaves the disk as it was.
 */
export function startCowSnapshot(d: SnapshotDeps, vm: VmRecord, diskId: string, top: ImageRecord, taken: Taken, freshTop: FreshTop): Job {
  const { deps } = d;
  const parent = top.parentId ? deps.images.get(top.parentId) : undefined;
  const why = refusal(d, vm, top, parent);
  if (why) throw conflict(top.pendingFirstUse ? 'nothing_to_snapshot' : isActive(vm.state) ? 'requires_stop' : 'image_invalid', why);
  const id = deps.newId();
  const target = deps.files.pathFor(id, 'raw');
  const tmp = `${target}.snapshot.tmp`;
  const name = `${vm.name}-${diskId}@${taken.name}`;
  return deps.jobs.start({
    kind: UML_SNAPSHOT_JOB,
    title: `Snapshot ${taken.name} of ${vm.name} ${diskId}`,
    vmId: vm.id,
    imageId: top.id,
    run: async (ctx) => {
      ctx.journal({ id, target, tmp, vmId: vm.id, diskId, topId: top.id });
      await publishVerified(deps.files, tmp, target, async (into) => {
        await deps.files.umlMerge(top.path, parent!.path, into, { onProgress: (p) => ctx.progress(p * 0.8), signal: ctx.signal });
        ctx.progress(0.8);
        const wrong = await deps.files.verifyUmlMerge(top.path, parent!.path, into);
        if (wrong) throw new Error(`the snapshot failed verification: ${wrong}`);
      });
      ctx.progress(0.95);
      await d.lock.run(vm.id, async () => {
        const now = deps.vms.get(vm.id);
        if (!now || !now.disks.some((x) => x.id === diskId && x.imageId === top.id)) {
          await deps.files.removeFile(target);
          throw new Error(`disk ${diskId} of VM '${vm.name}' changed while the snapshot was taken; it was not recorded`);
        }
        const frozen: ImageRecord = {
          id,
          name,
          path: target,
          format: 'raw',
          parentId: parent!.id,
          virtualSize: parent!.virtualSize,
          protected: false,
          ownerVmId: vm.id,
          boot: null,
          parentFingerprint: null,
          invalidReason: null,
          snapshot: taken,
          createdAt: deps.now(),
        };
        deps.images.insert(frozen);
        const next = await freshTop(now, diskId, frozen);
        deps.images.remove(top.id);
        await deps.files.removeFile(top.path);
        const updated = deps.vms.update(vm.id, { disks: now.disks.map((x) => (x.id === diskId ? { ...x, imageId: next.id } : x)) });
        deps.events.emit({ type: 'images.changed' });
        await d.publish(updated);
      });
      return `Snapshot ${taken.name} of ${diskId} is taken; the disk goes on with a fresh COW on it`;
    },
  });
}

/** After a restart: a snapshot recorded before the stop is done; otherwise its partial copy goes and the disk is as it was. */
export const recoverCowSnapshot =
  (deps: Pick<VmContext['deps'], 'images' | 'files'>): Recovery =>
  async (job) => {
    const { id, target, tmp } = job.journal as { id?: string; target?: string; tmp?: string };
    if (id && deps.images.get(id)) return finished('the snapshot was taken before the server stopped');
    if (tmp) await deps.files.removeFile(tmp);
    if (target) await deps.files.removeFile(target);
    return rolledBack('the server stopped during the snapshot; its partial copy was removed and the disk is as it was');
  };
