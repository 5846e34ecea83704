import type { Job, MergeBody, MergeMode, MergePlan } from '@strata/contract';
import { conflict, notAttached, notFound } from './errors.js';
import type { MergeDeps, MergeJobs } from './merge-deps.js';
import type { MergeJournal } from './merge-journal.js';
import { runLive } from './merge-live.js';
import { runOffline } from './merge-offline.js';
import { mergeTarget, type MergeTarget } from './merge-plan.js';
import { strategyFor } from './merge-strategy.js';
import type { VmRecord } from './records.js';
import { isActive } from './vm-state.js';

export function targetOf(deps: Pick<MergeDeps, 'images' | 'vms'>, imageId: string): MergeTarget {
  const t = mergeTarget(imageId, deps.images.list(), deps.vms.list());
  if (!t) throw notFound('image', imageId);
  return t;
}

export function planFor({ files }: Pick<MergeDeps, 'files'>, t: MergeTarget): MergePlan {
  return strategyFor(t.layer.format).plan(
    t,
    (i) => (files.exists(i.path) ? files.allocatedSize(i.path) : 0),
    files.freeSpace(),
    !!t.vm && isActive(t.vm.state),
  );
}

/**
 * How the chosen mode will run, written before the first byte: live inside QEMU, in place
 * (a commit offline; a stream offline when the layer can stand alone), or as a new file.
 */
export function journalFor(deps: Pick<MergeDeps, 'files' | 'newId'>, t: MergeTarget, vm: VmRecord, mode: MergeMode): MergeJournal {
  const strategy = strategyFor(t.layer.format);
  const disk = vm.disks.find((d) => d.imageId === t.layer.id);
  if (!disk) throw notFound('disk of image', t.layer.id);
  const newId = mode === 'new-base' ? deps.newId() : undefined;
  const target = mode === 'commit' ? t.parent!.path : mode === 'stream' ? t.layer.path : deps.files.pathFor(newId!, strategy.newBaseFormat);
  const live = isActive(vm.state);
  const commitInPlace = !live && mode === 'commit';
  // A stream writes only the top it streams into: in place too, with a copy of the top to verify against.
  const streamInPlace = !live && mode === 'stream' && strategy.streamsInPlace;
  return {
    mode,
    step: live ? 'live' : commitInPlace || streamInPlace ? 'committing' : 'writing',
    live,
    vmId: vm.id,
    diskId: disk.id,
    layerId: t.layer.id,
    parentId: t.parent?.id ?? null,
    target,
    newId,
    layerFormat: t.layer.format,
    tmp: commitInPlace ? '' : streamInPlace ? `${target}.stream-${deps.newId()}.reference` : `${target}.merge-${deps.newId()}.tmp`,
    ...(commitInPlace || streamInPlace ? { inPlace: true, stamp: commitInPlace ? strategy.commitStamp(deps.files, t) : undefined } : {}),
  };
}

/** Checks the plan allows it and the VM is free, then starts the job. */
export function startMerge(deps: MergeDeps, jobs: MergeJobs, imageId: string, body: MergeBody): Job {
  const t = targetOf(deps, imageId);
  const choice = planFor(deps, t).modes.find((m) => m.mode === body.mode)!;
  if (!choice.allowed) throw conflict('merge_refused', choice.reason);
  if (choice.invalidates.length > 0 && !body.confirmInvalidate) {
    throw conflict(
      'confirm_required',
      `${choice.invalidates.map((i) => i.name).join(', ')} would become invalid; repeat with confirmInvalidate: true to go ahead`,
    );
  }
  const vm = t.vm!;
  // A live merge needs QEMU's answers: a process Strata holds no handle on would fail it as not running.
  const unattached = deps.unattached(vm.id);
  if (unattached) throw notAttached(vm, unattached);
  const busy = jobs.activeFor(vm.id);
  if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy.title}`);
  const journal = journalFor(deps, t, vm, body.mode);
  return jobs.start({
    kind: 'merge',
    title: `${journal.live ? 'live ' : ''}${body.mode} ${t.layer.name}`,
    vmId: vm.id,
    imageId,
    // A live merge must not hold the VM's lock: stopping the VM is always possible, and safe.
    run: (job) =>
      journal.live
        ? runLive(deps, journal, job)
        : deps.exclusive(vm.id, async () => {
            const now = deps.vms.get(vm.id);
            if (!now) throw notFound('vm', vm.id);
            if (isActive(now.state)) throw conflict('requires_stop', 'the VM was started; merge refused');
            return runOffline(deps, journal, job);
          }),
  });
}
