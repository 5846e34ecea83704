import type { MergeBody, MergePlan } from '@strata/contract';
import { conflict, notFound } from './errors.js';
import type { JobContext, JobService } from './job-service.js';
import { createCowLayer, createLayer } from './layers.js';
import { childrenOf } from './image-chain.js';
import { createInPlaceCommit, type MergeJournal as Journal } from './merge-in-place.js';
import { mergeTarget, planMerge, planUmlMerge, type MergeTarget } from './merge-plan.js';
import type { JobRecord, RunningVm } from './ports.js';
import type { ImageRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { isActive } from './vm-state.js';

/**
 * Merges that never lose data. A commit into a parent only this disk uses is done in place and
 * costs what the top holds (merge-in-place.ts); a restart runs it again. Stream and new base write
 * the merged chain to a new file, check it, compare what the guest sees before and after, fsync,
 * and only then rename it into place; the journal says which side of the rename a crash fell on.
 */
export function createMergeService(ctx: VmContext, jobs: JobService) {
  const { deps } = ctx;
  const { images, vms, files } = deps;
  const inPlace = createInPlaceCommit(deps);

  const targetOf = (imageId: string): MergeTarget => {
    const t = mergeTarget(imageId, images.list(), vms.list());
    if (!t) throw notFound('image', imageId);
    return t;
  };

  /**
   * What the COW header must say when uml_moo -d starts: the backing as it is, unless an earlier
   * in-place merge of this very COW failed half-way, which moved the backing's mtime under it.
   */
  const stampOf = (t: MergeTarget) => {
    const header = t.parent!.mergingInto === t.layer.id ? files.cowHeader(t.layer.path) : null;
    return header ? { mtime: header.backingMtime, size: header.backingSize } : files.backingStamp(t.parent!.path);
  };

  const plan = (t: MergeTarget): MergePlan =>
    (t.layer.format === 'uml-cow' ? planUmlMerge : planMerge)(
      t,
      (i) => (files.exists(i.path) ? files.allocatedSize(i.path) : 0),
      files.freeSpace(),
      !!t.vm && isActive(t.vm.state),
    );

  /** A UML merge's new file is in place: the VM gets a fresh COW (made at its next start) on the merged base. */
  const finishUml = async (j: Journal): Promise<void> => {
    const vm = vms.get(j.vmId);
    const layer = images.get(j.layerId);
    let base = j.mode === 'commit' ? images.get(j.parentId!) : j.newId ? images.get(j.newId) : undefined;
    if (j.mode === 'commit' && base) {
      const stamp = `${base.name} was merged into in place (uml_moo -d) by VM ${vm?.name ?? j.vmId} at ${deps.now()}`;
      for (const child of childrenOf(base.id, images.list()).filter((i) => i.id !== j.layerId && !i.invalidReason))
        images.update(child.id, { invalidReason: `its backing file ${stamp}` });
      images.update(base.id, { mergingInto: null });
      await files.protect(base.path);
    }
    if (j.mode === 'new-base' && j.newId && !base) {
      base = {
        id: j.newId,
        name: `${vm?.name ?? 'vm'}-base-${j.newId.slice(0, 6)}`,
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
      images.insert(base);
    }
    const current = vm?.disks.find((d) => d.id === j.diskId);
    if (vm && base && current?.imageId === j.layerId) {
      const fresh = await createCowLayer(deps, base, {
        name: `${vm.name}-${j.diskId}`,
        ownerVmId: vm.id,
        path: (id) => `${deps.vmDir(vm.id)}/disks/${id}.cow`,
      });
      vms.update(vm.id, { disks: vm.disks.map((d) => (d.id === j.diskId ? { ...d, imageId: fresh.id } : d)) });
    }
    if (layer) {
      images.remove(layer.id);
      await files.removeFile(layer.path);
    }
  };

  /** Database side of a merge whose file is in place (or whose QEMU pivot is done); safe to run twice. */
  const finish = async (j: Journal, handle?: RunningVm): Promise<string> => {
    const vm = vms.get(j.vmId);
    const layer = images.get(j.layerId);
    if (j.uml) {
      await finishUml(j);
      deps.events.emit({ type: 'images.changed' });
      const updated = vms.get(j.vmId);
      if (updated) await ctx.publish(updated);
      return `finished: uml_moo ${j.mode === 'commit' ? '-d (in place)' : 'into a new base'} of ${layer?.name ?? j.layerId} is done`;
    }
    const repoint = async (imageId: string) => {
      if (vm) vms.update(vm.id, { disks: vm.disks.map((d) => (d.id === j.diskId ? { ...d, imageId } : d)) });
    };
    if (j.mode === 'stream' && layer) {
      // The kernel to boot came from the base; a layer that now stands alone must carry it itself.
      images.update(layer.id, { boot: ctx.bootOf(layer.id), parentId: null, parentFingerprint: null });
    } else if (j.mode === 'commit' && j.parentId) {
      const parent = images.get(j.parentId)!;
      const stamp = `${parent.name} was merged into by VM ${vm?.name ?? j.vmId} at ${deps.now()}`;
      for (const child of childrenOf(parent.id, images.list()).filter((i) => i.id !== j.layerId && !i.invalidReason)) {
        images.update(child.id, { invalidReason: `its parent ${stamp}` });
      }
      images.update(parent.id, {
        protected: false,
        snapshot: null,
        name: `${vm?.name ?? 'vm'}-${j.diskId}`,
        ownerVmId: j.vmId,
        mergingInto: null,
      });
      await files.unprotect(parent.path);
      await repoint(parent.id);
      if (layer) {
        images.remove(layer.id);
        await files.removeFile(layer.path);
      }
    } else if (j.mode === 'new-base' && j.newId) {
      if (!images.get(j.newId)) {
        const boot = layer ? ctx.bootOf(layer.id) : null;
        images.insert({
          id: j.newId,
          name: `${vm?.name ?? 'vm'}-base-${j.newId.slice(0, 6)}`,
          path: j.target,
          format: 'qcow2',
          parentId: null,
          virtualSize: layer?.virtualSize ?? 0,
          protected: false,
          ownerVmId: null,
          boot,
          parentFingerprint: null,
          invalidReason: null,
          snapshot: null,
          createdAt: deps.now(),
        });
      }
      const current = vms.get(j.vmId)?.disks.find((d) => d.id === j.diskId);
      if (current?.imageId === j.layerId) {
        // A live guest runs on the new base now: a live snapshot gives it its own overlay again.
        const fresh = await createLayer(
          deps,
          images.get(j.newId)!,
          { name: `${vm?.name ?? 'vm'}-${j.diskId}`, ownerVmId: j.vmId },
          handle && ((path) => handle.snapshotDisk(j.diskId, path)),
        );
        await repoint(fresh.id);
      }
      if (layer && childrenOf(layer.id, images.list()).length === 0) {
        images.remove(layer.id);
        await files.removeFile(layer.path);
      }
    }
    deps.events.emit({ type: 'images.changed' });
    const updated = vms.get(j.vmId);
    if (updated) await ctx.publish(updated);
    return `finished: ${j.mode}${j.inPlace ? ' (in place)' : ''} of ${layer?.name ?? j.layerId} is done`;
  };

  type Writer = (j: Journal, job: JobContext, layer: ImageRecord, parent?: ImageRecord, grandparent?: ImageRecord) => Promise<void>;

  /** qemu-img writes the merged chain; check and compare prove the guest sees the same disk. */
  const writeQemu: Writer = async (j, job, layer, _parent, grandparent) => {
    await files.convert(layer.path, layer.format, j.tmp, {
      backing: j.mode === 'commit' && grandparent ? { path: grandparent.path, format: grandparent.format } : undefined,
      onProgress: (p) => job.progress(p * 0.85),
      signal: job.signal,
    });
    job.journal({ step: 'verifying' });
    await files.check(j.tmp, 'qcow2');
    if (!(await files.sameContent(layer.path, layer.format, j.tmp, 'qcow2')))
      throw new Error(`verification failed: ${j.tmp} does not show the guest what ${layer.name} shows`);
  };

  /** uml_moo writes a new base; every sector is then checked against COW and backing. */
  const writeUml: Writer = async (j, job, layer, parent) => {
    await files.umlMerge(layer.path, parent!.path, j.tmp, { onProgress: (p) => job.progress(p * 0.7), signal: job.signal });
    job.journal({ step: 'verifying' });
    const wrong = await files.verifyUmlMerge(layer.path, parent!.path, j.tmp);
    if (wrong) throw new Error(`verification failed: ${wrong}`);
  };

  /**
   * Journaled before the first byte; from then on the commit only goes forward: a cancel is not
   * heard once qemu-img or uml_moo runs (it costs what the top holds), and a failure says so.
   */
  const runInPlace = async (j: Journal, job: JobContext): Promise<string> => {
    if (job.signal.aborted) throw new Error('cancelled before it began');
    job.journal({ ...j });
    inPlace.begin(j, vms.get(j.vmId)?.name ?? j.vmId);
    try {
      await inPlace.write(j, (p) => job.progress(p));
    } catch (err) {
      throw inPlace.failed(j, err);
    }
    job.journal({ step: 'switching' });
    return finish(j);
  };

  const run = async (j: Journal, job: JobContext): Promise<string> => {
    if (j.inPlace) return runInPlace(j, job);
    const layer = images.get(j.layerId)!;
    const parent = j.parentId ? images.get(j.parentId) : undefined;
    const grandparent = parent?.parentId ? images.get(parent.parentId) : undefined;
    job.journal({ ...j });
    try {
      await (j.uml ? writeUml : writeQemu)(j, job, layer, parent, grandparent);
      await files.sync(j.tmp);
      job.progress(0.95);
    } catch (err) {
      await files.removeFile(j.tmp);
      throw err;
    }
    job.journal({ step: 'switching' });
    await files.rename(j.tmp, j.target);
    await files.sync(j.target);
    return finish(j);
  };

  /** Live merges are QEMU block jobs; the disk pivots when one completes. */
  const runLive = async (j: Journal, job: JobContext): Promise<string> => {
    const handle = ctx.live.get(j.vmId)?.handle;
    if (!handle) throw conflict('not_running', 'the VM stopped before its live merge began');
    const parent = j.parentId ? images.get(j.parentId) : undefined;
    job.journal({ ...j, step: 'live' });
    const options = {
      onProgress: (p: number) => job.progress(p * 0.95),
      signal: job.signal,
      onReady: () => job.journal({ step: 'ready' }),
    };
    try {
      if (j.mode === 'commit') await handle.commitDisk(j.diskId, parent!.path, options);
      else if (j.mode === 'stream') await handle.streamDisk(j.diskId, options);
      else await handle.mirrorDisk(j.diskId, j.target, options);
    } catch (err) {
      if (j.mode === 'new-base') await files.removeFile(j.target);
      throw err;
    }
    return finish(j, handle);
  };

  /** Did QEMU finish a live merge the last server process was watching? */
  const livePivoted = async (j: Journal): Promise<boolean> => {
    const handle = ctx.live.get(j.vmId)?.handle;
    const layer = images.get(j.layerId);
    if (j.mode === 'stream') {
      if (handle) await handle.settleBlockJobs();
      return !!layer && (await files.backingOf(layer.path, layer.format)) === null;
    }
    if (!handle) return j.step === 'ready'; // past READY the target held everything the guest had written
    await handle.settleBlockJobs();
    const active = await handle.activeFile(j.diskId);
    return active === (j.mode === 'commit' ? images.get(j.parentId!)?.path : j.target);
  };

  jobs.onRecover('merge', async (record: JobRecord) => {
    const j = record.journal as unknown as Partial<Journal>;
    if (j.live && j.step) {
      if (await livePivoted(j as Journal))
        return `${await finish(j as Journal, ctx.live.get(j.vmId!)?.handle)} (completed after a restart)`;
      if (j.mode === 'new-base' && j.target) await files.removeFile(j.target);
      return "rolled back: the server stopped during a live merge before QEMU finished it; the VM's layers are unchanged";
    }
    if (j.inPlace && j.step) {
      if (j.step === 'switching' || !inPlace.canRunAgain(j)) return `${await finish(j as Journal)} (completed after a restart)`;
      // The server may have died before begin() ran: other readers of the parent are told again (idempotent).
      inPlace.begin(j as Journal, vms.get(j.vmId!)?.name ?? j.vmId!);
      await inPlace.write(j as Journal, () => undefined);
      return `${await finish(j as Journal)} (the in-place commit was run again after a restart)`;
    }
    if (!j.tmp || !j.step) return 'rolled back: the server stopped before the merge wrote anything';
    if (j.step !== 'switching' || files.exists(j.tmp)) {
      await files.removeFile(j.tmp);
      return `rolled back: the server stopped while the merge was ${j.step === 'switching' ? 'switching over' : 'writing its new file'}; the old chain is untouched and its half-written file removed`;
    }
    return `${await finish(j as Journal)} (completed after a restart)`;
  });

  return {
    plan(imageId: string): MergePlan {
      return plan(targetOf(imageId));
    },

    merge(imageId: string, body: MergeBody) {
      const t = targetOf(imageId);
      const choice = plan(t).modes.find((m) => m.mode === body.mode)!;
      if (!choice.allowed) throw conflict('merge_refused', choice.reason);
      if (choice.invalidates.length > 0 && !body.confirmInvalidate) {
        throw conflict(
          'confirm_required',
          `${choice.invalidates.map((i) => i.name).join(', ')} would become invalid; repeat with confirmInvalidate: true to go ahead`,
        );
      }
      const vm = t.vm!;
      const busy = jobs.activeFor(vm.id);
      if (busy) throw conflict('vm_busy', `VM '${vm.name}' is busy with: ${busy.title}`);
      const disk = vm.disks.find((d) => d.imageId === imageId)!;
      const newId = body.mode === 'new-base' ? deps.newId() : undefined;
      const uml = t.layer.format === 'uml-cow';
      const target =
        body.mode === 'commit' ? t.parent!.path : body.mode === 'stream' ? t.layer.path : files.pathFor(newId!, uml ? 'raw' : 'qcow2');
      const live = isActive(vm.state);
      const commitInPlace = !live && body.mode === 'commit';
      // A stream writes only the top it streams into: in place too, with a copy of the top to verify against.
      const streamInPlace = !live && body.mode === 'stream' && !uml;
      const journal: Journal = {
        mode: body.mode,
        step: live ? 'live' : commitInPlace || streamInPlace ? 'committing' : 'writing',
        live,
        vmId: vm.id,
        diskId: disk.id,
        layerId: t.layer.id,
        parentId: t.parent?.id ?? null,
        target,
        newId,
        uml,
        tmp: commitInPlace ? '' : streamInPlace ? `${target}.stream-${deps.newId()}.reference` : `${target}.merge-${deps.newId()}.tmp`,
        ...(commitInPlace || streamInPlace ? { inPlace: true, stamp: commitInPlace && uml ? stampOf(t) : undefined } : {}),
      };
      return jobs.start({
        kind: 'merge',
        title: `${live ? 'live ' : ''}${body.mode} ${t.layer.name}`,
        vmId: vm.id,
        imageId,
        // A live merge must not hold the VM's lock: stopping the VM is always possible, and safe.
        run: (job) =>
          live
            ? runLive(journal, job)
            : ctx.lock.run(vm.id, async () => {
                if (isActive(vms.get(vm.id)!.state)) throw conflict('requires_stop', 'the VM was started; merge refused');
                return run(journal, job);
              }),
      });
    },
  };
}
