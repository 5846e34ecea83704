import type { JobContext } from './job-service.js';
import { createCowLayer } from './layers.js';
import type { MergeDeps, MergeFiles } from './merge-deps.js';
import { invalidateOtherChildren, vmNameOf } from './merge-invalidate.js';
import type { MergeJournal } from './merge-journal.js';
import { planUmlMerge, type MergeTarget } from './merge-plan.js';
import type { MergeStrategy } from './merge-strategy-type.js';
import type { CowStamp } from './ports.js';
import type { ImageRecord } from './records.js';

const wording = { parentWord: 'backing file', mergedHow: ' in place (uml_moo -d)' };

/**
 * What the COW header must say when uml_moo -d starts: the backing as it is, unless an earlier
 * in-place merge of this very COW failed half-way, which moved the backing's mtime under it.
 */
function cowStamp(files: MergeFiles, t: MergeTarget): CowStamp | undefined {
  if (!t.parent) return undefined;
  const header = t.parent.mergingInto === t.layer.id ? files.cowHeader(t.layer.path) : null;
  return header ? { mtime: header.backingMtime, size: header.backingSize } : files.backingStamp(t.parent.path);
}

function journaledStamp(j: MergeJournal): CowStamp {
  if (!j.stamp) throw new Error("the merge journal has no backing stamp, which uml_moo -d needs to find the COW's header as it was");
  return j.stamp;
}

async function commitCowInPlace(
  { files }: MergeDeps,
  j: MergeJournal,
  layer: ImageRecord,
  parent: ImageRecord,
  onProgress: (p: number) => void,
): Promise<string | null> {
  const stamp = journaledStamp(j);
  await files.umlMergeInPlace(layer.path, parent.path, stamp);
  await files.sync(parent.path); // uml_moo never flushes
  onProgress(0.85);
  return files.verifyUmlInPlace(layer.path, parent.path, stamp);
}

/** uml_moo writes a new base; every sector is then checked against COW and backing. */
async function writeCowCopy(
  { files }: MergeDeps,
  j: MergeJournal,
  job: JobContext,
  layer: ImageRecord,
  parent?: ImageRecord,
): Promise<void> {
  if (!parent) throw new Error(`${layer.name} has no backing file to merge with`);
  await files.umlMerge(layer.path, parent.path, j.tmp, { onProgress: (p) => job.progress(p * 0.7), signal: job.signal });
  job.journal({ step: 'verifying' });
  const wrong = await files.verifyUmlMerge(layer.path, parent.path, j.tmp);
  if (wrong) throw new Error(`verification failed: ${wrong}`);
}

/** The backing that now holds the COW's data is no longer mid-merge; its other COWs are invalid. */
async function settleCommittedBacking(deps: MergeDeps, j: MergeJournal, base: ImageRecord): Promise<void> {
  invalidateOtherChildren(deps, base, j.layerId, vmNameOf(deps, j), wording);
  deps.images.update(base.id, { mergingInto: null });
  await deps.files.protect(base.path);
}

function recordNewBase(deps: MergeDeps, j: MergeJournal, newId: string, layer: ImageRecord | undefined): ImageRecord {
  const base: ImageRecord = {
    id: newId,
    name: `${deps.vms.get(j.vmId)?.name ?? 'vm'}-base-${newId.slice(0, 6)}`,
    path: j.target,
    format: 'raw',
    parentId: null,
    virtualSize: layer?.virtualSize ?? 0,
    protected: false,
    ownerVmId: null,
    boot: null,
    parentFingerprint: null,
    invalidReason: null,
    snapshot: null,
    createdAt: deps.now(),
  };
  deps.images.insert(base);
  return base;
}

/** A UML merge's file is in place: the VM gets a fresh COW (made at its next start) on the merged base. */
async function finishCow(deps: MergeDeps, j: MergeJournal): Promise<void> {
  const vm = deps.vms.get(j.vmId);
  const layer = deps.images.get(j.layerId);
  let base = j.mode === 'commit' ? deps.images.get(j.parentId ?? '') : j.newId ? deps.images.get(j.newId) : undefined;
  if (j.mode === 'commit' && base) await settleCommittedBacking(deps, j, base);
  if (j.mode === 'new-base' && j.newId && !base) base = recordNewBase(deps, j, j.newId, layer);
  const current = vm?.disks.find((d) => d.id === j.diskId);
  if (vm && base && current?.imageId === j.layerId) {
    const fresh = await createCowLayer(deps, base, {
      name: `${vm.name}-${j.diskId}`,
      ownerVmId: vm.id,
      format: 'uml-cow', // this strategy's own format: a merged COW's top is a COW again
      path: (id) => `${deps.vmDir(vm.id)}/disks/${id}.cow`,
    });
    deps.vms.update(vm.id, { disks: vm.disks.map((d) => (d.id === j.diskId ? { ...d, imageId: fresh.id } : d)) });
  }
  if (layer) {
    deps.images.remove(layer.id);
    await deps.files.removeFile(layer.path);
  }
}

/** UML COW files: uml_moo merges them, offline only; a COW cannot stand alone, so it is never streamed. */
export const umlCowStrategy: MergeStrategy = {
  plan: planUmlMerge,
  newBaseFormat: 'raw',
  streamsInPlace: false,
  wording,
  commitStamp: cowStamp,
  commitInPlace: commitCowInPlace,
  writeCopy: writeCowCopy,
  finish: finishCow,
  finishedSentence: (j, name) => `finished: uml_moo ${j.mode === 'commit' ? '-d (in place)' : 'into a new base'} of ${name} is done`,
};
