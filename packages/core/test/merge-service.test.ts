import { describe, expect, it } from 'vitest';
import { StrataError } from '../src/errors.js';
import { mergeTarget } from '../src/merge-plan.js';
import { journalFor } from '../src/merge-start.js';
import { fakeFiles, fakeLiveDisks, gate, image, mergeWorld, vmRecord } from './merge-fakes.js';

/** base ← snap (the VM's own snapshot) ← top (its writable top). */
const qcowChain = () => [image('base', null), image('snap', 'base', { ownerVmId: 'vm1' }), image('top', 'snap', { ownerVmId: 'vm1' })];
/** A raw base under the VM's UML COW file, and another VM's COW on the same base. */
const umlChain = () => [
  image('base', null, { format: 'raw' }),
  image('top', 'base', { format: 'uml-cow', ownerVmId: 'vm1' }),
  image('sib', 'base', { format: 'uml-cow', ownerVmId: 'vm2' }),
];

const refusal = (work: () => unknown): StrataError => {
  try {
    work();
  } catch (err) {
    if (err instanceof StrataError) return err;
    throw err;
  }
  throw new Error('not refused');
};

describe('the journal a merge writes before its first byte', () => {
  let n = 0;
  const deps = (paths: string[]) => ({ files: fakeFiles(paths).files, newId: () => `n${n++}` });
  const journal = (images = qcowChain(), vm = vmRecord(), mode: 'commit' | 'stream' | 'new-base' = 'commit') => {
    n = 0;
    return journalFor(deps(images.map((i) => i.path)), mergeTarget('top', images, [vm])!, vm, mode);
  };

  it('commits a stopped VM in place into the parent: no new file, nothing to undo', () => {
    expect(journal()).toMatchObject({
      mode: 'commit',
      step: 'committing',
      live: false,
      inPlace: true,
      tmp: '',
      target: '/data/snap',
      layerFormat: 'qcow2',
      stamp: undefined,
    });
  });
  it('streams a qcow2 top in place, next to a copy of the top to verify against', () => {
    expect(journal(qcowChain(), vmRecord(), 'stream')).toMatchObject({
      step: 'committing',
      inPlace: true,
      target: '/data/top',
      tmp: '/data/top.stream-n0.reference',
    });
  });
  it('writes a new base as a new qcow2 file through a temporary one', () => {
    const j = journal(qcowChain(), vmRecord(), 'new-base');
    expect(j).toMatchObject({ step: 'writing', newId: 'n0', target: '/data/n0.qcow2', tmp: '/data/n0.qcow2.merge-n1.tmp' });
    expect(j.inPlace).toBeUndefined();
  });
  it('merges a running VM live, inside QEMU', () => {
    const j = journal(qcowChain(), vmRecord({ state: 'running' }));
    expect(j).toMatchObject({ live: true, step: 'live' });
    expect(j.inPlace).toBeUndefined();
  });
  it("chooses by the layer's format: a UML COW's new base is a plain file, its commit records the backing's stamp", () => {
    expect(journal(umlChain(), vmRecord(), 'new-base')).toMatchObject({ target: '/data/n0.raw', layerFormat: 'uml-cow' });
    expect(journal(umlChain())).toMatchObject({ inPlace: true, stamp: { mtime: 111, size: 1000 } });
  });
  it("takes the stamp from the COW's header when an earlier in-place merge of this COW failed half-way", () => {
    const images = umlChain().map((i) => (i.id === 'base' ? { ...i, mergingInto: 'top' } : i));
    expect(journal(images)).toMatchObject({ stamp: { mtime: 99, size: 1000 } });
  });
});

describe('merge jobs (in-memory ports)', () => {
  it('commits in place: the parent becomes the writable top and the old top goes', async () => {
    const w = mergeWorld(qcowChain());
    const job = w.merges.merge('top', { mode: 'commit' });
    const done = await w.jobs.settled(job.id);
    expect(done, done.error).toMatchObject({ state: 'succeeded', result: 'finished: commit (in place) of top is done' });
    expect(w.called('commitInPlace')).toEqual([['commitInPlace', '/data/top', '/data/snap', expect.anything()]]);
    expect(w.vms.get('vm1')!.disks[0]?.imageId).toBe('snap');
    expect(w.images.get('top')).toBeUndefined();
    expect(w.present.has('/data/top')).toBe(false);
    expect(w.images.get('snap')).toMatchObject({ protected: false, ownerVmId: 'vm1', name: 'alpha-disk0', mergingInto: null });
    expect(w.jobRows.get(job.id)!.journal).toMatchObject({ step: 'switching', inPlace: true, layerFormat: 'qcow2' });
    expect(w.published).toEqual(['vm1']);
  });

  it('asks for confirmation before other layers on the parent become invalid, and marks them', async () => {
    const w = mergeWorld([...qcowChain(), image('clone', 'snap')]);
    expect(refusal(() => w.merges.merge('top', { mode: 'commit' })).code).toBe('confirm_required');
    const job = w.merges.merge('top', { mode: 'commit', confirmInvalidate: true });
    expect((await w.jobs.settled(job.id)).state).toBe('succeeded');
    expect(w.images.get('clone')!.invalidReason).toMatch(/^its parent snap was merged into by VM alpha at /);
  });

  it('refuses what the plan refuses, with its reason', () => {
    const w = mergeWorld([image('base', null), image('top', 'base', { ownerVmId: 'vm1' })]);
    const err = refusal(() => w.merges.merge('top', { mode: 'commit' }));
    expect(err.code).toBe('merge_refused');
    expect(err.message).toMatch(/shared base/);
  });

  it('refuses a merge while the VM is busy with another job', () => {
    const w = mergeWorld(qcowChain());
    w.jobs.start({ kind: 'other', title: 'a long import', vmId: 'vm1', run: () => new Promise<string>(() => undefined) });
    const err = refusal(() => w.merges.merge('top', { mode: 'commit' }));
    expect(err.code).toBe('vm_busy');
    expect(err.message).toBe("VM 'alpha' is busy with: a long import");
    expect(w.called('commitInPlace')).toEqual([]);
  });

  it('is cancelled, having changed nothing, when the cancel comes while it waits for the VM', async () => {
    const w = mergeWorld([...qcowChain(), image('clone', 'snap')]);
    const held = gate();
    w.holdLock(held.opened);
    const job = w.merges.merge('top', { mode: 'commit', confirmInvalidate: true });
    w.jobs.cancel(job.id);
    held.open();
    expect(await w.jobs.settled(job.id)).toMatchObject({ state: 'cancelled', result: 'cancelled; nothing was changed' });
    expect(w.called('commitInPlace')).toEqual([]);
    expect(w.images.get('snap')!.mergingInto).toBeUndefined();
    expect(w.images.get('clone')!.invalidReason).toBeNull();
    expect(w.vms.get('vm1')!.disks[0]?.imageId).toBe('top');
  });

  it('refuses to go on when the VM was started while the merge waited for it', async () => {
    const w = mergeWorld(qcowChain());
    const held = gate();
    w.holdLock(held.opened);
    const job = w.merges.merge('top', { mode: 'commit' });
    w.vms.update('vm1', { state: 'running' });
    held.open();
    expect(await w.jobs.settled(job.id)).toMatchObject({ state: 'failed', error: 'the VM was started; merge refused' });
    expect(w.called('commitInPlace')).toEqual([]);
  });

  it('says what a failed in-place commit left: the disk reads as before, and a revert to the parent is refused', async () => {
    const w = mergeWorld(qcowChain());
    w.answers.commitInPlace = 'cluster 5 differs';
    const job = w.merges.merge('top', { mode: 'commit' });
    const done = await w.jobs.settled(job.id);
    expect(done.state).toBe('failed');
    expect(done.error).toBe(
      'verification failed: cluster 5 differs. snap may now hold part of top; the disk still reads as before through top. Merge again to finish (reverting to snap is refused until then)',
    );
    expect(w.images.get('snap')!.mergingInto).toBe('top');
    expect(w.vms.get('vm1')!.disks[0]?.imageId).toBe('top');
  });

  it('writes a new base through a verified temporary file, then gives the disk a fresh overlay on it', async () => {
    const w = mergeWorld(qcowChain());
    const job = w.merges.merge('top', { mode: 'new-base' });
    const done = await w.jobs.settled(job.id);
    expect(done, done.error).toMatchObject({ state: 'succeeded', result: 'finished: new-base of top is done' });
    const journal = w.jobRows.get(job.id)!.journal as { tmp: string; target: string; newId: string };
    expect(w.called('rename')).toEqual([['rename', journal.tmp, journal.target]]);
    expect(w.images.get(journal.newId)).toMatchObject({
      format: 'qcow2',
      parentId: null,
      protected: true,
      name: expect.stringMatching(/^alpha-base-/),
    });
    const fresh = w.images.get(w.vms.get('vm1')!.disks[0]?.imageId ?? '')!;
    expect(fresh).toMatchObject({ parentId: journal.newId, ownerVmId: 'vm1', name: 'alpha-disk0' });
    expect(w.images.get('top')).toBeUndefined();
  });

  it('removes the temporary file of a new base that fails verification, and keeps the disk as it was', async () => {
    const w = mergeWorld(qcowChain());
    w.answers.sameContent = false;
    const job = w.merges.merge('top', { mode: 'new-base' });
    const done = await w.jobs.settled(job.id);
    const { tmp } = w.jobRows.get(job.id)!.journal as { tmp: string };
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/^verification failed: .* does not show the guest what top shows$/);
    expect(w.present.has(tmp)).toBe(false);
    expect(w.called('rename')).toEqual([]);
    expect(w.vms.get('vm1')!.disks[0]?.imageId).toBe('top');
  });

  it('commits a UML COW in place with uml_moo -d: the backing is flushed, its other COWs invalid, the VM gets a fresh COW', async () => {
    const w = mergeWorld(umlChain());
    const job = w.merges.merge('top', { mode: 'commit', confirmInvalidate: true });
    const done = await w.jobs.settled(job.id);
    expect(done, done.error).toMatchObject({ state: 'succeeded', result: 'finished: uml_moo -d (in place) of top is done' });
    expect(w.called('umlMergeInPlace')).toEqual([['umlMergeInPlace', '/data/top', '/data/base', { mtime: 111, size: 1000 }]]);
    expect(w.called('sync')).toContainEqual(['sync', '/data/base']);
    expect(w.called('commitInPlace')).toEqual([]);
    expect(w.images.get('sib')!.invalidReason).toMatch(/^its backing file base was merged into in place \(uml_moo -d\) by VM alpha at /);
    const fresh = w.images.get(w.vms.get('vm1')!.disks[0]?.imageId ?? '')!;
    expect(fresh).toMatchObject({
      format: 'uml-cow',
      parentId: 'base',
      pendingFirstUse: true,
      path: expect.stringMatching(/^\/vms\/vm1\/disks\/.*\.cow$/),
    });
    expect(w.images.get('base')).toMatchObject({ mergingInto: null, protected: true });
  });

  it('refuses to stream a UML COW: its backing must stay a plain file', () => {
    const w = mergeWorld(umlChain());
    expect(refusal(() => w.merges.merge('top', { mode: 'stream' })).code).toBe('merge_refused');
  });

  it('refuses a merge of a VM whose process runs but is not attached, before any job starts', () => {
    const w = mergeWorld(qcowChain(), vmRecord({ state: 'running' }));
    w.unattached.set('vm1', 'QMP did not answer');
    expect(refusal(() => w.merges.merge('top', { mode: 'commit' })).code).toBe('not_attached');
    expect(w.jobRows.list()).toEqual([]);
  });

  it('a live new base whose job failed but whose disk QEMU pivoted anyway keeps the target and records it', async () => {
    const w = mergeWorld(qcowChain(), vmRecord({ state: 'running' }));
    let target = '';
    const live = fakeLiveDisks(() => target);
    live.handle.mirrorDisk = async (_disk, path) => {
      target = path;
      w.present.add(path);
      throw new Error('cancelled');
    };
    w.live.set('vm1', { handle: live.handle });
    const job = w.merges.merge('top', { mode: 'new-base' });
    const done = await w.jobs.settled(job.id);
    expect(done.state).toBe('succeeded');
    expect(w.present.has(target)).toBe(true);
    expect(w.called('removeFile').map((c) => c[1])).not.toContain(target);
    expect(w.images.list().find((i) => i.path === target)).toBeDefined();
  });

  it("merges a running VM's disk live and journals READY before the pivot", async () => {
    const w = mergeWorld(qcowChain(), vmRecord({ state: 'running' }));
    const live = fakeLiveDisks(() => '/data/snap');
    w.live.set('vm1', { handle: live.handle });
    const job = w.merges.merge('top', { mode: 'commit' });
    const done = await w.jobs.settled(job.id);
    expect(done, done.error).toMatchObject({ state: 'succeeded', result: 'finished: commit of top is done' });
    expect(live.calls).toEqual([['commitDisk', 'disk0', '/data/snap']]);
    expect(w.jobRows.get(job.id)!.journal).toMatchObject({ live: true, step: 'ready' });
    expect(w.vms.get('vm1')!.disks[0]?.imageId).toBe('snap');
  });
});
