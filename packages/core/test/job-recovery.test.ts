import { describe, expect, it } from 'vitest';
import { recoverImageJob } from '../src/image-rewrite.js';
import { outcomePatch } from '../src/job-recovery.js';
import { createJobService } from '../src/job-service.js';
import type { JobRecord } from '../src/ports.js';
import type { ImageRecord, VmRecord } from '../src/records.js';
import { fakeLiveDisks, gate, image, leftRunning, memoryRepo, mergeWorld, vmRecord } from './merge-fakes.js';

const chain = () => [image('base', null), image('snap', 'base', { ownerVmId: 'vm1' }), image('top', 'snap', { ownerVmId: 'vm1' })];

const journal = (over: Record<string, unknown> = {}) => ({
  mode: 'commit',
  step: 'committing',
  live: false,
  inPlace: true,
  vmId: 'vm1',
  diskId: 'disk0',
  layerId: 'top',
  parentId: 'snap',
  tmp: '',
  target: '/data/snap',
  ...over,
});

/** A server restarted over `record`: the merge service registers its recovery, then the jobs are recovered. */
async function restart(record: JobRecord, images = chain(), vm = vmRecord()) {
  const w = mergeWorld(images, vm, { jobs: [record] });
  return { w, restarted: async () => (await w.jobs.recover(), w.jobRows.get(record.id)!) };
}

describe('recovery of a merge from its journal', () => {
  it('rolls back a merge that had not begun (an empty journal)', async () => {
    const { restarted } = await restart(leftRunning({}));
    expect(await restarted()).toMatchObject({
      state: 'failed',
      result: 'rolled back: the server stopped before the merge wrote anything',
      error: 'rolled back: the server stopped before the merge wrote anything',
    });
  });

  it('finishes an in-place commit whose journal says it was switching over, without writing again', async () => {
    const { w, restarted } = await restart(leftRunning(journal({ step: 'switching' })));
    const job = await restarted();
    expect(job).toMatchObject({ state: 'succeeded', result: 'finished: commit (in place) of top is done (completed after a restart)' });
    expect(job.error).toBeUndefined();
    expect(w.called('commitInPlace')).toEqual([]);
    expect(w.vms.get('vm1')!.disks[0]?.imageId).toBe('snap');
  });

  it('runs a half-done in-place commit again, telling the parent’s other readers first', async () => {
    const { w, restarted } = await restart(leftRunning(journal()), [...chain(), image('clone', 'snap')]);
    // Told first: finishMerge marks the same clone afterwards, so only the moment of the write tells.
    let whenWritten: string | null | undefined;
    const commit = w.files.commitInPlace;
    w.files.commitInPlace = async (...args) => {
      whenWritten = w.images.get('clone')!.invalidReason;
      return commit(...args);
    };
    const job = await restarted();
    expect(job).toMatchObject({
      state: 'succeeded',
      result: 'finished: commit (in place) of top is done (the in-place commit was run again after a restart)',
    });
    expect(w.called('commitInPlace')).toHaveLength(1);
    expect(whenWritten).toMatch(/^its parent snap was merged into by VM alpha/);
    expect(w.images.get('clone')!.invalidReason).toMatch(/^its parent snap was merged into by VM alpha/);
  });

  it('finishes an in-place commit whose top is gone already (nothing left to commit from)', async () => {
    const { w, restarted } = await restart(leftRunning(journal()));
    w.present.delete('/data/top');
    expect(await restarted()).toMatchObject({ state: 'succeeded', result: expect.stringMatching(/\(completed after a restart\)$/) });
    expect(w.called('commitInPlace')).toEqual([]);
  });

  it('fails the job with the reason when running the commit again fails, and the server goes on', async () => {
    const { w, restarted } = await restart(leftRunning(journal()));
    w.answers.commitInPlace = 'cluster 9 differs';
    expect(await restarted()).toMatchObject({ state: 'failed', error: 'recovery failed: verification failed: cluster 9 differs' });
  });

  it('reads a journal written before the layer format was recorded: `uml: true` means uml_moo', async () => {
    const images = [image('base', null, { format: 'raw' }), image('top', 'base', { format: 'uml-cow', ownerVmId: 'vm1' })];
    const record = leftRunning(journal({ uml: true, parentId: 'base', target: '/data/base', stamp: { mtime: 5, size: 1000 } }));
    const { w, restarted } = await restart(record, images);
    expect(await restarted()).toMatchObject({
      state: 'succeeded',
      result: 'finished: uml_moo -d (in place) of top is done (the in-place commit was run again after a restart)',
    });
    expect(w.called('umlMergeInPlace')).toEqual([['umlMergeInPlace', '/data/top', '/data/base', { mtime: 5, size: 1000 }]]);
  });

  it('reads a journal written before live merges existed (no `live`) as an offline one', async () => {
    const { live: _none, ...old } = journal({ step: 'switching' });
    const { w, restarted } = await restart(leftRunning(old));
    expect(await restarted()).toMatchObject({ state: 'succeeded', result: expect.stringMatching(/completed after a restart/) });
    expect(w.vms.get('vm1')!.disks[0]?.imageId).toBe('snap');
  });

  it('removes the half-written file of a copy the server died writing', async () => {
    const tmp = '/data/top.merge-x.tmp';
    const { w, restarted } = await restart(leftRunning(journal({ mode: 'stream', step: 'writing', inPlace: undefined, tmp })));
    w.present.add(tmp);
    const job = await restarted();
    expect(job.state).toBe('failed');
    expect(job.result).toBe(
      'rolled back: the server stopped while the merge was writing its new file; the old chain is untouched and its half-written file removed',
    );
    expect(w.present.has(tmp)).toBe(false);
  });

  it('finishes a copy already renamed into place, and rolls back one whose temporary file is still there', async () => {
    const tmp = '/data/top.merge-x.tmp';
    const copy = journal({ mode: 'stream', step: 'switching', inPlace: undefined, tmp, target: '/data/top' });
    const renamed = await restart(leftRunning(copy));
    expect(await renamed.restarted()).toMatchObject({
      state: 'succeeded',
      result: 'finished: stream of top is done (completed after a restart)',
    });
    expect(renamed.w.images.get('top')!.parentId).toBeNull();

    const before = await restart(leftRunning(copy));
    before.w.present.add(tmp);
    expect(await before.restarted()).toMatchObject({
      state: 'failed',
      result: expect.stringMatching(/while the merge was switching over/),
    });
    expect(before.w.images.get('top')!.parentId).toBe('snap');
  });

  it('finishes a live merge past READY when the VM is gone, and rolls back one before it', async () => {
    const ready = await restart(leftRunning(journal({ live: true, inPlace: undefined, step: 'ready' })));
    expect(await ready.restarted()).toMatchObject({
      state: 'succeeded',
      result: 'finished: commit of top is done (completed after a restart)',
    });

    const target = '/data/new.qcow2';
    const early = await restart(
      leftRunning(journal({ live: true, inPlace: undefined, step: 'live', mode: 'new-base', newId: 'new', target })),
    );
    early.w.present.add(target);
    expect(await early.restarted()).toMatchObject({
      state: 'failed',
      result: "rolled back: the server stopped during a live merge before QEMU finished it; the VM's layers are unchanged",
    });
    expect(early.w.present.has(target)).toBe(false);
  });

  it('asks the running VM whether QEMU pivoted a live commit', async () => {
    const pivoted = await restart(
      leftRunning(journal({ live: true, inPlace: undefined, step: 'live' })),
      chain(),
      vmRecord({ state: 'running' }),
    );
    const live = fakeLiveDisks(() => '/data/snap');
    pivoted.w.live.set('vm1', { handle: live.handle });
    expect(await pivoted.restarted()).toMatchObject({ state: 'succeeded' });
    expect(live.calls).toEqual([['settleBlockJobs']]);

    const not = await restart(
      leftRunning(journal({ live: true, inPlace: undefined, step: 'ready' })),
      chain(),
      vmRecord({ state: 'running' }),
    );
    not.w.live.set('vm1', { handle: fakeLiveDisks(() => '/data/top').handle });
    expect(await not.restarted()).toMatchObject({ state: 'failed', result: expect.stringMatching(/^rolled back/) });
  });

  it('leaves a live merge of a VM that runs but is not attached as it is: nothing touched, decided once it can be', async () => {
    const ready = await restart(
      leftRunning(journal({ live: true, inPlace: undefined, step: 'ready' })),
      chain(),
      vmRecord({ state: 'running' }),
    );
    ready.w.unattached.set('vm1', 'QMP did not answer');
    expect(await ready.restarted()).toMatchObject({ state: 'running', result: expect.stringMatching(/^waiting: .*QMP did not answer/) });
    expect(ready.w.calls).toEqual([]);
    expect(ready.w.vms.get('vm1')!.disks[0]?.imageId).toBe('top');
    expect(ready.w.images.get('top')).toBeDefined();
    // Attached later: QEMU is asked, and says it did not pivot.
    ready.w.unattached.delete('vm1');
    ready.w.live.set('vm1', { handle: fakeLiveDisks(() => '/data/top').handle });
    expect(await ready.restarted()).toMatchObject({ state: 'failed', result: expect.stringMatching(/^rolled back/) });

    const target = '/data/new.qcow2';
    const mirror = await restart(
      leftRunning(journal({ live: true, inPlace: undefined, step: 'live', mode: 'new-base', newId: 'new', target })),
      chain(),
      vmRecord({ state: 'running' }),
    );
    mirror.w.present.add(target);
    mirror.w.unattached.set('vm1', 'QMP did not answer');
    expect(await mirror.restarted()).toMatchObject({ state: 'running' });
    expect(mirror.w.present.has(target)).toBe(true);
  });

  it('a second recover() leaves alone the jobs this server process runs', async () => {
    const w = mergeWorld(chain(), vmRecord({ state: 'running' }));
    const held = gate();
    const live = fakeLiveDisks(() => '/data/snap');
    live.handle.commitDisk = async () => held.opened;
    w.live.set('vm1', { handle: live.handle });
    const job = w.merges.merge('top', { mode: 'commit' });
    await w.jobs.recover();
    expect(w.jobRows.get(job.id)!.state).toBe('running');
    held.open();
    expect((await w.jobs.settled(job.id)).state).toBe('succeeded');
  });

  it('fails, touching nothing, a journal that fails its schema', async () => {
    const { w, restarted } = await restart(leftRunning(journal({ step: 'half-way', tmp: '/data/x' })));
    const job = await restarted();
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(
      /^recovery failed: the merge journal is not one this server writes \(\/step is "half-way", not one of writing, verifying, .*\); nothing was done/,
    );
    expect(w.calls).toEqual([]);
    expect(w.vms.get('vm1')!.disks[0]?.imageId).toBe('top');
  });

  it('fails a journal missing a field it needs, naming the field', async () => {
    const { layerId: _dropped, ...partial } = journal();
    const { restarted } = await restart(leftRunning(partial));
    expect((await restarted()).error).toMatch(
      /the merge journal is not one this server writes \(the journal must have required properties layerId\)/,
    );
  });
});

describe('the job service after a restart', () => {
  const service = (records: JobRecord[]) => {
    const rows = memoryRepo<JobRecord>();
    records.forEach((r) => rows.insert(r));
    const jobs = createJobService({ jobs: rows, events: { emit: () => undefined }, newId: () => 'n', now: () => 'now' });
    return { rows, jobs };
  };

  it('progress that cannot be saved (a damaged row) never throws into the tool reporting it; the job still ends', async () => {
    const { rows, jobs } = service([]);
    let report!: (fraction: number) => void;
    let finish!: () => void;
    const job = jobs.start({
      kind: 'k',
      title: 't',
      run: (ctx) =>
        new Promise<string>((resolve) => {
          report = ctx.progress;
          finish = () => resolve('done');
        }),
    });
    const update = rows.update.bind(rows);
    rows.update = () => {
      throw new Error('jobs: the row of "n" holds no record of that id and name');
    };
    expect(() => report(0.5)).not.toThrow();
    rows.update = update;
    finish();
    await expect.poll(() => rows.get(job.id)?.state).toBe('succeeded');
  });

  it('a cancelled job that undid what it made says so in its own words; others say nothing was changed', async () => {
    const { jobs } = service([]);
    const ownWords = jobs.start({
      kind: 'k',
      title: 't',
      run: (ctx) =>
        new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(Object.assign(new Error('stop'), { cancelled: 'cancelled; removed VM x' }))),
        ),
    });
    jobs.cancel(ownWords.id);
    expect(await jobs.settled(ownWords.id)).toMatchObject({ state: 'cancelled', result: 'cancelled; removed VM x' });
    const { jobs: again } = service([]);
    const plain = again.start({
      kind: 'k',
      title: 't',
      run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stop')))),
    });
    again.cancel(plain.id);
    expect(await again.settled(plain.id)).toMatchObject({ state: 'cancelled', result: 'cancelled; nothing was changed' });
  });

  it('fails a job of a kind nobody recovers, saying so', async () => {
    const { rows, jobs } = service([leftRunning({}, 'mystery')]);
    await jobs.recover();
    expect(rows.get('died')).toMatchObject({ state: 'failed', result: 'the server stopped during this job; nothing to finish' });
  });

  it('fails a job whose recovery throws, with the reason, and recovers the others', async () => {
    const { rows, jobs } = service([leftRunning({}, 'boom'), { ...leftRunning({}, 'fine'), id: 'other' }]);
    jobs.onRecover('boom', async () => {
      throw new Error('disk on fire');
    });
    jobs.onRecover('fine', async () => ({ kind: 'finished', result: 'all done' }));
    await jobs.recover();
    expect(rows.get('died')).toMatchObject({ state: 'failed', error: 'recovery failed: disk on fire' });
    expect(rows.get('other')).toMatchObject({ state: 'succeeded', result: 'all done' });
  });

  it('decides the state by the outcome, not by the words of its sentence', () => {
    expect(outcomePatch({ kind: 'finished', result: 'rolled back nothing: done' })).toMatchObject({ state: 'succeeded' });
    expect(outcomePatch({ kind: 'rolled-back', result: 'finished writing, then undone' })).toMatchObject({ state: 'failed' });
    expect(outcomePatch({ kind: 'unrecoverable', reason: 'why' })).toEqual({ state: 'failed', error: 'recovery failed: why' });
    expect(outcomePatch({ kind: 'deferred', reason: 'waiting' })).toEqual({ result: 'waiting' });
  });

  it('leaves settled jobs alone, and refuses to cancel one that is not running', async () => {
    const { rows, jobs } = service([{ ...leftRunning({}), state: 'succeeded', result: 'ok' }]);
    await jobs.recover();
    expect(rows.get('died')).toMatchObject({ state: 'succeeded', result: 'ok' });
    expect(() => jobs.cancel('died')).toThrow(/only running jobs can be cancelled/);
  });
});

describe('recovery of an image job', () => {
  const files = (vms: VmRecord[] = [], images: ImageRecord[] = []) => {
    const removed: string[] = [];
    const vmRepo = memoryRepo<VmRecord>();
    for (const vm of vms) vmRepo.insert(vm);
    const imageRepo = memoryRepo<ImageRecord>();
    for (const i of images) imageRepo.insert(i);
    return {
      removed,
      vms: { ...vmRepo, findByName: (name: string) => vmRepo.findByName(name)[0] },
      images: imageRepo,
      files: {
        removeFile: async (path: string) => void removed.push(path),
        pathFor: (id: string, format: string) => `/store/${id}.${format}`,
      },
    };
  };
  it('removes the temporary file and the private copy it journaled', async () => {
    const f = files();
    expect(await recoverImageJob(f, leftRunning({ tmp: '/data/a.tmp', copy: '/data/a.import' }, 'image'))).toEqual({
      kind: 'rolled-back',
      result: 'rolled back: the server stopped before the new file was in place; its temporary file was removed',
    });
    expect(f.removed).toEqual(['/data/a.tmp', '/data/a.import']);
  });
  it("removes every copy a full clone journaled (not only the last), and their records, when the clone's VM never went in", async () => {
    const f = files([], [image('c1', null, { ownerVmId: 'clone' })]);
    const journal = {
      tmp: '/store/c3.qcow2.tmp-x',
      clone: {
        vmId: 'clone',
        copies: [
          { id: 'c1', format: 'qcow2' },
          { id: 'c2', format: 'raw' },
          { id: 'c3', format: 'qcow2' },
          { id: '../etc/passwd', format: 'raw' },
        ],
      },
    };
    expect(await recoverImageJob(f, leftRunning(journal, 'image'))).toEqual({
      kind: 'rolled-back',
      result:
        'rolled back: the server stopped before the clone was recorded; removed its copies /store/c1.qcow2, /store/c2.raw, /store/c3.qcow2 and any temporary file',
    });
    // The id that is no id Strata makes is not followed into the file system.
    expect(f.removed).toEqual(['/store/c3.qcow2.tmp-x', '/store/c1.qcow2', '/store/c2.raw', '/store/c3.qcow2']);
    expect(f.images.get('c1')).toBeUndefined();
  });

  it("keeps a full clone's copies when its VM record went in before the server stopped", async () => {
    const f = files([vmRecord({ id: 'clone', name: 'clone' })]);
    const outcome = await recoverImageJob(f, leftRunning({ clone: { vmId: 'clone', copies: [{ id: 'c1', format: 'qcow2' }] } }, 'image'));
    expect(outcome).toMatchObject({ kind: 'finished', result: expect.stringMatching(/clone was complete/) });
    expect(f.removed).toEqual([]);
  });

  it('removes nothing when the journal fails its schema', async () => {
    const f = files();
    const outcome = await recoverImageJob(f, leftRunning({ tmp: 5 }, 'image'));
    expect(outcome).toMatchObject({
      kind: 'unrecoverable',
      reason: expect.stringMatching(/^the image journal is not one this server writes \(\/tmp /),
    });
    expect(f.removed).toEqual([]);
  });
});
