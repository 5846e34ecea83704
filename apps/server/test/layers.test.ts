import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, Job, MergePlan, Vm } from '@strata/contract';
import { startServer, type TestServer } from './harness.js';
import { apiClient, promptPattern } from './api-client.js';
import { ConsoleClient } from './console-client.js';
import { inGuest } from './fresh-boot.js';
import { pidsMentioning } from '../../../e2e/processes.mjs';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
const { api, waitForState, mergeAndWait: merge } = apiClient(() => server);

const images = async () => (await api<Image[]>('GET', '/images')).body;
const top = async (vm: Vm) => (await images()).find((i) => i.id === vm.disks[0]!.imageId)!;
const getVm = async (id: string) => (await api<Vm>('GET', `/vms/${id}`)).body;
const qemuCheck = (path: string) => execFileSync('qemu-img', ['check', '-f', 'qcow2', path]).toString();
const guestView = `${tmpdir()}/strata-layers-guest-view-${process.pid}.raw`;
/** Reads the chain through `path` as the guest does and compares it with the raw copy taken before. */
const sameAsGuestView = (path: string) =>
  execFileSync('qemu-img', ['compare', '-f', 'qcow2', '-F', 'raw', path, guestView]).toString().includes('identical');

const runInGuest = (vm: Vm, commands: string[]) => inGuest(server, { api, waitForState }, vm.id, commands);

/** What a server killed during a stream merge of `layer` leaves behind: a running job and its journal. Then the restart. */
async function restartAfterDeathIn(step: 'writing' | 'switching', layer: Image, tmp: string): Promise<Job> {
  const journal = {
    mode: 'stream',
    step,
    live: false,
    vmId: layer.ownerVmId,
    diskId: 'disk0',
    layerId: layer.id,
    parentId: layer.parentId,
    tmp,
    target: layer.path,
  };
  return restartWithJob(`died-${step}`, layer, journal);
}

async function restartWithJob(id: string, layer: Image, journal: object): Promise<Job> {
  const record = {
    id,
    name: id,
    kind: 'merge',
    state: 'running',
    progress: 0.5,
    title: 'stream',
    vmId: layer.ownerVmId,
    imageId: layer.id,
    journal,
    createdAt: '',
    updatedAt: '',
  };
  const db = (await import('better-sqlite3')).default(`${server.dataDir}/strata.db`);
  db.prepare('INSERT INTO jobs (id, name, doc) VALUES (?, ?, ?)').run(id, id, JSON.stringify(record));
  db.close();
  await server.restart();
  return (await api<Job>('GET', `/jobs/${id}`)).body;
}

describe('layers: snapshots, revert and merges on real qcow2 files', () => {
  let vm: Vm;

  it('takes a live snapshot while the guest writes, without stopping it', async () => {
    vm = (await api<Vm>('POST', '/vms', { name: 'layers' })).body;
    const started = await api<Vm>('POST', `/vms/${vm.id}/start`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const viewer = await ConsoleClient.open(server.url, vm.id);
    await viewer.waitFor(promptPattern, 90_000);
    await viewer.run('echo one > /root/one; sync');
    const before = await top(vm);
    const snap = await api<Vm>('POST', `/vms/${vm.id}/disks/disk0/snapshots`, { name: 'first', description: 'before two' });
    expect(snap.status).toBe(200);
    expect(snap.body.state).toBe('running');
    const frozen = (await images()).find((i) => i.id === before.id)!;
    expect(frozen).toMatchObject({ protected: true, snapshot: { name: 'first', description: 'before two' } });
    expect(statSync(frozen.path).mode & 0o222).toBe(0);
    const newTop = await top(snap.body);
    expect(newTop.parentId).toBe(before.id);
    expect(JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', newTop.path]).toString())['backing-filename']).toBe(
      frozen.path,
    );
    await viewer.run('echo two > /root/two; sync');
    // The forest Strata shows is the chain qemu-img itself follows, layer for layer.
    const fromQemu = (
      JSON.parse(execFileSync('qemu-img', ['info', '-U', '--backing-chain', '--output=json', newTop.path]).toString()) as {
        filename: string;
      }[]
    ).map((l) => l.filename);
    const all = await images();
    const fromApi: string[] = [];
    for (let layer: Image | undefined = newTop; layer; layer = all.find((i) => i.id === layer!.parentId)) fromApi.push(layer.path);
    expect(fromApi).toEqual(fromQemu);
    expect(fromApi).toHaveLength(3);
    viewer.close();
    await api('POST', `/vms/${vm.id}/shutdown`);
    vm = await waitForState(vm.id, 'stopped', 30_000);
    expect(qemuCheck(newTop.path)).toMatch(/No errors/);
  });

  it('reverts to the snapshot: what was written after it is gone', async () => {
    const snapshot = (await images()).find((i) => i.snapshot?.name === 'first')!;
    const res = await api<Vm>('POST', `/vms/${vm.id}/disks/disk0/revert`, { imageId: snapshot.id });
    expect(res.status).toBe(200);
    vm = res.body;
    expect((await top(vm)).parentId).toBe(snapshot.id);
    const [one, two] = await runInGuest(vm, ['cat /root/one', 'cat /root/two 2>&1', 'echo three > /root/three']);
    expect(one).toBe('one');
    expect(two).toMatch(/No such file/);
  });

  it("plans merges: commit into the VM's own snapshot, never silently into the shared base", async () => {
    const plan = (await api<MergePlan>('GET', `/images/${vm.disks[0]!.imageId}/merge-plan`)).body;
    expect(plan.modes.find((m) => m.mode === 'commit')).toMatchObject({ allowed: true, invalidates: [] });
    const base = (await images()).find((i) => i.name === 'strata-mini')!;
    const other = (await api<Vm>('POST', '/vms', { name: 'on-base' })).body;
    const refused = await api<{ code: string; message: string }>('POST', `/images/${other.disks[0]!.imageId}/merge`, { mode: 'commit' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/shared base/);
    expect(statSync(base.path).mode & 0o222).toBe(0);
    await api('DELETE', `/vms/${other.id}`);
  });

  it('commits the top into its snapshot offline, in place: the same file, checked, its top gone', async () => {
    const layer = await top(vm);
    const parent = (await images()).find((i) => i.id === layer.parentId)!;
    const inode = statSync(parent.path).ino;
    const plan = (await api<MergePlan>('GET', `/images/${layer.id}/merge-plan`)).body.modes.find((m) => m.mode === 'commit')!;
    expect(plan).toMatchObject({ inPlace: true, bytesWritten: layer.allocatedSize });
    expect(plan.spaceNeeded).toBeLessThanOrEqual(1.1 * layer.allocatedSize + 16 * 1024 ** 2);
    const job = await merge(layer.id, { mode: 'commit' });
    expect(job.result).toMatch(/^finished: commit \(in place\)/);
    expect(statSync(parent.path).ino).toBe(inode);
    expect(job, job.error).toMatchObject({ state: 'succeeded', progress: 1, kind: 'merge' });
    vm = await getVm(vm.id);
    expect(vm.disks[0]!.imageId).toBe(parent.id);
    expect(existsSync(layer.path)).toBe(false);
    expect((await images()).find((i) => i.id === parent.id)).toMatchObject({ protected: false, snapshot: null, valid: true });
    expect(qemuCheck(parent.path)).toMatch(/No errors/);
    expect(execFileSync('ls', [`${server.dataDir}/images`]).toString()).not.toMatch(/\.tmp/);
    const [one, three] = await runInGuest(vm, ['cat /root/one', 'cat /root/three']);
    expect([one, three]).toEqual(['one', 'three']);
  });

  it('refuses to commit into a layer others stand on unless told, then marks them invalid', async () => {
    await api('POST', `/vms/${vm.id}/disks/disk0/snapshots`, { name: 'shared' });
    vm = await getVm(vm.id);
    const shared = (await images()).find((i) => i.snapshot?.name === 'shared')!;
    const clone = (await api<Vm>('POST', '/vms', { name: 'clone', image: shared.id })).body;
    const cloneTop = clone.disks[0]!.imageId;
    const layer = vm.disks[0]!.imageId;
    const unconfirmed = await api<{ code: string; message: string }>('POST', `/images/${layer}/merge`, { mode: 'commit' });
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body.code).toBe('confirm_required');
    expect(unconfirmed.body.message).toContain('clone-disk0');
    expect((await merge(layer, { mode: 'commit', confirmInvalidate: true })).state).toBe('succeeded');
    const invalid = (await images()).find((i) => i.id === cloneTop)!;
    expect(invalid.valid).toBe(false);
    expect(invalid.invalidReason).toMatch(/was merged into by VM layers/);
    const start = await api<{ code: string }>('POST', `/vms/${clone.id}/start`);
    expect(start.status).toBe(409);
    expect(start.body.code).toBe('image_invalid');
    expect((await api('DELETE', `/vms/${clone.id}`)).status).toBe(204);
  });

  it('streams the base into the top, which then stands alone', async () => {
    vm = await getVm(vm.id);
    const layer = await top(vm);
    expect(layer.parentId).not.toBeNull();
    const parent = (await images()).find((i) => i.id === layer.parentId)!;
    const parentBefore = execFileSync('md5sum', [parent.path]).toString().split(' ')[0];
    const inode = statSync(layer.path).ino;
    const plan = (await api<MergePlan>('GET', `/images/${layer.id}/merge-plan`)).body.modes.find((m) => m.mode === 'stream')!;
    expect(plan).toMatchObject({ allowed: true, inPlace: true });
    expect((await merge(layer.id, { mode: 'stream' })).state).toBe('succeeded');
    const alone = await top(await getVm(vm.id));
    expect(alone.parentId).toBeNull();
    // In place: the same file, its parent untouched, no reference copy left behind.
    expect(statSync(alone.path).ino).toBe(inode);
    expect(execFileSync('md5sum', [parent.path]).toString().split(' ')[0]).toBe(parentBefore);
    expect(readdirSync(dirname(alone.path)).filter((f) => f.includes('.stream-'))).toEqual([]);
    expect(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', alone.path]).toString())['backing-filename']).toBeUndefined();
    expect(await runInGuest(vm, ['cat /root/three'])).toEqual(['three']);
  });

  it('merges into a new base and repoints only this VM', async () => {
    vm = await getVm(vm.id);
    const old = await top(vm);
    expect((await merge(old.id, { mode: 'new-base' })).state).toBe('succeeded');
    vm = await getVm(vm.id);
    const fresh = await top(vm);
    const base = (await images()).find((i) => i.id === fresh.parentId)!;
    expect(base).toMatchObject({ parentId: null, protected: true, ownerVmId: null });
    expect(base.name).toMatch(/^layers-base-/);
    expect(existsSync(old.path)).toBe(false);
    expect(await runInGuest(vm, ['cat /root/one'])).toEqual(['one']);
  });

  it('finishes or undoes a merge the server died in, from its journal', async () => {
    const layer = await top(await getVm(vm.id));
    const tmp = `${layer.path}.merge-crashed.tmp`;
    writeFileSync(tmp, 'half-written');
    const job = await restartAfterDeathIn('writing', layer, tmp);
    expect(job.state).toBe('failed');
    expect(job.result).toMatch(/^rolled back/);
    expect(existsSync(tmp)).toBe(false);
    expect(qemuCheck(layer.path)).toMatch(/No errors/);
  });

  it('finishes a merge whose new file was already renamed into place when the server died', async () => {
    vm = await getVm(vm.id);
    await api('POST', `/vms/${vm.id}/disks/disk0/snapshots`, { name: 'pre-switch' });
    vm = await getVm(vm.id);
    const layer = await top(vm);
    const before = `${server.dataDir}/before-switch.qcow2`;
    execFileSync('cp', [layer.path, before]);
    // What a stream merge does up to its rename: a standalone copy, renamed over the layer.
    const tmp = `${layer.path}.merge-switched.tmp`;
    execFileSync('qemu-img', ['convert', '-O', 'qcow2', layer.path, tmp]);
    execFileSync('mv', [tmp, layer.path]);
    const job = await restartAfterDeathIn('switching', layer, tmp);
    expect(job.state).toBe('succeeded');
    expect(job.result).toMatch(/completed after a restart/);
    expect((await top(await getVm(vm.id))).parentId).toBeNull();
    expect(execFileSync('qemu-img', ['compare', before, layer.path]).toString()).toMatch(/identical/);
    expect(await runInGuest(vm, ['cat /root/one'])).toEqual(['one']);
  });

  it('finishes an in-place stream the server died in, and the guest sees the same disk', async () => {
    vm = await getVm(vm.id);
    await api('POST', `/vms/${vm.id}/disks/disk0/snapshots`, { name: 'pre-stream-crash' });
    vm = await getVm(vm.id);
    const layer = await top(vm);
    expect(layer.parentId).not.toBeNull();
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', layer.path, guestView]);
    const reference = `${layer.path}.stream-crashed.reference`;
    writeFileSync(reference, 'left by the dead server');
    const journal = {
      mode: 'stream',
      step: 'committing',
      live: false,
      inPlace: true,
      vmId: layer.ownerVmId,
      diskId: 'disk0',
      layerId: layer.id,
      parentId: layer.parentId,
      tmp: reference,
      target: layer.path,
    };
    const job = await restartWithJob('died-streaming', layer, journal);
    expect(job.state).toBe('succeeded');
    expect(job.result).toMatch(/run again after a restart/);
    expect((await top(await getVm(vm.id))).parentId).toBeNull();
    expect(
      JSON.parse(execFileSync('qemu-img', ['info', '-f', 'qcow2', '--output=json', layer.path]).toString())['backing-filename'],
    ).toBeUndefined();
    expect(sameAsGuestView(layer.path)).toBe(true);
    expect(existsSync(reference)).toBe(false);
    expect(qemuCheck(layer.path)).toMatch(/No errors/);
  });

  it('keeps what the guest sees when qemu-img commit is killed mid-way, and refuses to revert to the half-merged parent', async () => {
    vm = await getVm(vm.id);
    await api('POST', `/vms/${vm.id}/disks/disk0/snapshots`, { name: 'pre-kill' });
    vm = await getVm(vm.id);
    const layer = await top(vm);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x77 0 900M', layer.path]);
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', layer.path, guestView]);
    const started = await api<Job>('POST', `/images/${layer.id}/merge`, { mode: 'commit' });
    expect(started.status).toBe(202);
    let killed: number[] = [];
    for (const deadline = Date.now() + 20_000; killed.length === 0 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 10)); // let the job's subprocess start
      killed = pidsMentioning(layer.path).filter((pid) => pid !== process.pid);
    }
    expect(killed.length).toBeGreaterThan(0);
    for (const pid of killed) process.kill(pid, 'SIGKILL');
    let job = started.body;
    for (const deadline = Date.now() + 30_000; job.state === 'running' && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await api<Job>('GET', `/jobs/${job.id}`)).body;
    }
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/may now hold part of .*; the disk still reads as before through .*Merge again to finish/);
    expect((await top(await getVm(vm.id))).id).toBe(layer.id);
    expect(sameAsGuestView(layer.path)).toBe(true);
    const refused = await api<{ code: string }>('POST', `/vms/${vm.id}/disks/disk0/revert`, { imageId: layer.parentId });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('merge_unfinished');
  });

  it('finishes a half-done in-place commit from its journal after a restart', async () => {
    const layer = await top(await getVm(vm.id));
    const parent = (await images()).find((i) => i.id === layer.parentId)!;
    const journal = {
      mode: 'commit',
      step: 'committing',
      live: false,
      inPlace: true,
      vmId: layer.ownerVmId,
      diskId: 'disk0',
      layerId: layer.id,
      parentId: parent.id,
      tmp: '',
      target: parent.path,
    };
    const job = await restartWithJob('died-committing', layer, journal);
    expect(job, job.error).toMatchObject({
      state: 'succeeded',
      result: expect.stringMatching(/in-place commit was run again after a restart/),
    });
    expect((await top(await getVm(vm.id))).id).toBe(parent.id);
    expect(existsSync(layer.path)).toBe(false);
    expect(sameAsGuestView(parent.path)).toBe(true);
    expect(qemuCheck(parent.path)).toMatch(/No errors/);
    rmSync(guestView);
  });

  it('marks every layer on a base invalid when the base is touched, even with its mtime put back', async () => {
    const victim = (await api<Vm>('POST', '/vms', { name: 'victim' })).body;
    const base = (await images()).find((i) => i.name === 'strata-mini')!;
    const { mtimeNs } = statSync(base.path, { bigint: true });
    const stamp = `@${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, '0')}`;
    execFileSync('touch', ['-m', '-d', stamp, base.path]); // the trick that fools UML's mtime check: the mtime put back exactly, but the ctime moves
    expect(statSync(base.path, { bigint: true }).mtimeNs).toBe(mtimeNs);
    const layer = (await images()).find((i) => i.id === victim.disks[0]!.imageId)!;
    expect(layer.valid).toBe(false);
    expect(layer.invalidReason).toMatch(/strata-mini changed after this layer was made on it: it was changed \(ctime changed/);
    const start = await api<{ code: string; message: string }>('POST', `/vms/${victim.id}/start`);
    expect(start.status).toBe(409);
    expect(start.body.code).toBe('image_invalid');
    expect(pidsMentioning(`strata-${victim.id}`)).toEqual([]);
  });
});
