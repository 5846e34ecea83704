import type { JobContext } from './job-service.js';
import { childrenOf } from './image-chain.js';
import { createLayer } from './layers.js';
import type { LiveMergeHandle, MergeDeps } from './merge-deps.js';
import { invalidateOtherChildren, vmNameOf } from './merge-invalidate.js';
import type { MergeJournal } from './merge-journal.js';
import { planMerge } from './merge-plan.js';
import type { MergeStrategy } from './merge-strategy-type.js';
import type { ImageRecord } from './records.js';

const wording = { parentWord: 'parent', mergedHow: '' };

/** qemu-img writes the merged chain; check and compare prove the guest sees the same disk. */
async function writeQemuCopy(
  { files }: MergeDeps,
  j: MergeJournal,
  job: JobContext,
  layer: ImageRecord,
  _parent?: ImageRecord,
  grandparent?: ImageRecord,
): Promise<void> {
  await files.convert(layer.path, layer.format, j.tmp, {
    backing: j.mode === 'commit' && grandparent ? { path: grandparent.path, format: grandparent.format } : undefined,
    onProgress: (p) => job.progress(p * 0.85),
    signal: job.signal,
  });
  job.journal({ step: 'verifying' });
  await files.check(j.tmp, 'qcow2');
  if (!(await files.sameContent(layer.path, layer.format, j.tmp, 'qcow2')))
    throw new Error(`verification failed: ${j.tmp} does not show the guest what ${layer.name} shows`);
}

function repoint(deps: MergeDeps, j: MergeJournal, imageId: string): void {
  const vm = deps.vms.get(j.vmId);
  if (vm) deps.vms.update(vm.id, { disks: vm.disks.map((d) => (d.id === j.diskId ? { ...d, imageId } : d)) });
}

async function removeLayer(deps: MergeDeps, layer: ImageRecord): Promise<void> {
  deps.images.remove(layer.id);
  await deps.files.removeFile(layer.path);
}

/** The layer stands alone: the kernel to boot came from the base, so it must carry it itself. */
function finishStream(deps: MergeDeps, layer: ImageRecord): void {
  deps.images.update(layer.id, { boot: deps.bootOf(layer.id), parentId: null, parentFingerprint: null });
}

/** The parent holds the layer's data: it becomes the disk's writable top, and the layer goes. */
async function finishCommit(deps: MergeDeps, j: MergeJournal, parentId: string, layer: ImageRecord | undefined): Promise<void> {
  const parent = deps.images.get(parentId);
  if (!parent) throw new Error(`the parent ${parentId} the merge wrote into is no longer recorded`);
  const vmName = vmNameOf(deps, j);
  invalidateOtherChildren(deps, parent, j.layerId, vmName, wording);
  deps.images.update(parent.id, {
    protected: false,
    snapshot: null,
    name: `${deps.vms.get(j.vmId)?.name ?? 'vm'}-${j.diskId}`,
    ownerVmId: j.vmId,
    mergingInto: null,
  });
  await deps.files.unprotect(parent.path);
  repoint(deps, j, parent.id);
  if (layer) await removeLayer(deps, layer);
}

/** The new base is recorded; a disk still on the layer gets its own overlay on it. */
async function finishNewBase(
  deps: MergeDeps,
  j: MergeJournal,
  newId: string,
  layer: ImageRecord | undefined,
  handle?: LiveMergeHandle,
): Promise<void> {
  const vmName = deps.vms.get(j.vmId)?.name ?? 'vm';
  if (!deps.images.get(newId)) {
    deps.images.insert({
      id: newId,
      name: `${vmName}-base-${newId.slice(0, 6)}`,
      path: j.target,
      format: 'qcow2',
      parentId: null,
      virtualSize: layer?.virtualSize ?? 0,
      protected: false,
      ownerVmId: null,
      boot: layer ? deps.bootOf(layer.id) : null,
      parentFingerprint: null,
      invalidReason: null,
      snapshot: null,
      createdAt: deps.now(),
    });
  }
  const current = deps.vms.get(j.vmId)?.disks.find((d) => d.id === j.diskId);
  if (current?.imageId === j.layerId) {
    // A live guest runs on the new base now: a live snapshot gives it its own overlay again.
    const fresh = await createLayer(
      deps,
      deps.images.get(newId)!,
      { name: `${vmName}-${j.diskId}`, ownerVmId: j.vmId },
      handle && ((path) => handle.snapshotDisk(j.diskId, path)),
    );
    repoint(deps, j, fresh.id);
  }
  if (layer && childrenOf(layer.id, deps.images.list()).length === 0) await removeLayer(deps, layer);
}

async function finishQemuChain(deps: MergeDeps, j: MergeJournal, handle?: LiveMergeHandle): Promise<void> {
  const layer = deps.images.get(j.layerId);
  if (j.mode === 'stream' && layer) finishStream(deps, layer);
  else if (j.mode === 'commit' && j.parentId) await finishCommit(deps, j, j.parentId, layer);
  else if (j.mode === 'new-base' && j.newId) await finishNewBase(deps, j, j.newId, layer, handle);
}

/** qcow2 chains (and any format qemu-img reads): qemu-img writes, QEMU merges live. */
export const qemuImgStrategy: MergeStrategy = {
  plan: planMerge,
  newBaseFormat: 'qcow2',
  streamsInPlace: true,
  wording,
  commitStamp: () => undefined,
  // qemu-img (cache=writeback) fdatasyncs the parent as it closes it: a second flush buys nothing.
  commitInPlace: (deps, _j, layer, parent, onProgress) =>
    deps.files.commitInPlace(layer.path, parent.path, { onProgress: (p) => onProgress(p * 0.85) }),
  writeCopy: writeQemuCopy,
  finish: finishQemuChain,
  finishedSentence: (j, name) => `finished: ${j.mode}${j.inPlace ? ' (in place)' : ''} of ${name} is done`,
};
