import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, Job, MergePlan, Vm } from '@strata/contract';
import { waitFor } from '@strata/qemu';
import { startServer, type TestServer } from './harness.js';
import { apiClient } from './api-client.js';
import { inGuest, startAndOpen } from './fresh-boot.js';
import { pidsMentioning } from '../../../e2e/processes.mjs';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
const { api, waitForState, mergeAndWait } = apiClient(() => server);
const images = async () => (await api<Image[]>('GET', '/images')).body;
const layerOf = async (vm: Vm) => {
  const id = (await api<Vm>('GET', `/vms/${vm.id}`)).body.disks[0]!.imageId;
  return (await images()).find((i) => i.id === id)!;
};

const runInGuest = (vm: Vm, commands: string[]) => inGuest(server, { api, waitForState }, vm.id, commands);

const leftoverTmp = (path: string) => readdirSync(dirname(path)).filter((f) => f.includes('.merge-'));

describe('UML COW layers merged by uml_moo, safely', () => {
  let a: Vm;
  let b: Vm;

  it('plans uml_moo merges: in place only for the only COW, never stream, nothing live', async () => {
    a = (await api<Vm>('POST', '/vms', { name: 'uml-a', hypervisor: 'uml', memoryMiB: 128 })).body;
    const pending = (await api<MergePlan>('GET', `/images/${a.disks[0]!.imageId}/merge-plan`)).body;
    expect(pending.modes.every((m) => !m.allowed)).toBe(true);
    expect(pending.modes[0]!.reason).toMatch(/does not exist yet/);
    await runInGuest(a, ['echo first-boot > /root/a.txt']);
    const plan = (await api<MergePlan>('GET', `/images/${(await layerOf(a)).id}/merge-plan`)).body;
    expect(plan.modes.map((m) => [m.mode, m.allowed])).toEqual([
      ['commit', true],
      ['stream', false],
      ['new-base', true],
    ]);
    expect(plan.modes.find((m) => m.mode === 'commit')!.invalidates).toEqual([]);

    b = (await api<Vm>('POST', '/vms', { name: 'uml-b', hypervisor: 'uml', memoryMiB: 128 })).body;
    const crowded = (await api<MergePlan>('GET', `/images/${(await layerOf(a)).id}/merge-plan`)).body;
    expect(crowded.modes.find((m) => m.mode === 'commit')!.invalidates.map((i) => i.name)).toEqual(['uml-b-disk0']);
    const refused = await api<{ code: string; message: string }>('POST', `/images/${(await layerOf(a)).id}/merge`, { mode: 'commit' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'confirm_required', message: expect.stringMatching(/uml-b-disk0 would become invalid/) });
  });

  it('a killed uml_moo leaves the old layers as they were and bootable', async () => {
    const layer = await layerOf(a);
    const res = await api<{ id: string }>('POST', `/images/${layer.id}/merge`, { mode: 'new-base' });
    expect(res.status).toBe(202);
    let killed = false;
    const deadline = Date.now() + 30_000;
    while (!killed && Date.now() < deadline) {
      for (const pid of pidsMentioning('uml_moo').filter((p) => p !== process.pid)) {
        process.kill(pid, 'SIGKILL');
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(killed).toBe(true);
    let job = (await api<{ state: string }>('GET', `/jobs/${res.body.id}`)).body;
    while (job.state === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      job = (await api<{ state: string }>('GET', `/jobs/${res.body.id}`)).body;
    }
    expect(job.state).toBe('failed');
    expect((await layerOf(a)).id).toBe(layer.id);
    expect(leftoverTmp(layer.path)).toEqual([]);
    expect(leftoverTmp((await images()).find((i) => i.id === layer.parentId)!.path)).toEqual([]);
    expect(await runInGuest(a, ['cat /root/a.txt'])).toEqual(['first-boot']);
  });

  it('merges into a new base (safe mode): the VM boots on it with a fresh COW and its files', async () => {
    const old = await layerOf(a);
    const job = await mergeAndWait(old.id, { mode: 'new-base' });
    expect(job.state, job.error).toBe('succeeded');
    const fresh = await layerOf(a);
    const base = (await images()).find((i) => i.id === fresh.parentId)!;
    expect(fresh).toMatchObject({ format: 'uml-cow', pendingFirstUse: true });
    expect(base).toMatchObject({ format: 'raw', protected: true });
    expect((await images()).some((i) => i.id === old.id)).toBe(false);
    expect(await runInGuest(a, ['cat /root/a.txt', 'echo second > /root/a2.txt'])).toEqual(['first-boot', '']);
  });

  it("merges in place (-d) into the only COW's backing file: the same file, only the COW's sectors written", async () => {
    const cow = await layerOf(a);
    const base = (await images()).find((i) => i.id === cow.parentId)!;
    const inode = statSync(base.path).ino;
    const plan = (await api<MergePlan>('GET', `/images/${cow.id}/merge-plan`)).body.modes.find((m) => m.mode === 'commit')!;
    expect(plan).toMatchObject({ allowed: true, inPlace: true, bytesWritten: cow.allocatedSize });
    expect(plan.spaceNeeded).toBeLessThanOrEqual(1.1 * cow.allocatedSize + 16 * 1024 ** 2);
    const job = await mergeAndWait(cow.id, { mode: 'commit' });
    expect(job.state, job.error).toBe('succeeded');
    const fresh = await layerOf(a);
    expect(fresh.parentId).toBe(base.id);
    expect(statSync(base.path).ino).toBe(inode);
    expect(statSync(base.path).mode & 0o222).toBe(0);
    expect(leftoverTmp(base.path)).toEqual([]);
    expect(await runInGuest(a, ['cat /root/a.txt /root/a2.txt'])).toEqual(['first-boot\r\nsecond']);
  });

  it('a uml_moo -d killed half-way keeps the old COW, refuses a revert to its backing, and merging again finishes it', async () => {
    const [sum] = await runInGuest(a, ['dd if=/dev/urandom of=/root/big bs=1M count=48 2>/dev/null; sync; md5sum /root/big | cut -c1-32']);
    expect(sum).toMatch(/^[0-9a-f]{32}$/);
    const cow = await layerOf(a);
    const res = await api<{ id: string }>('POST', `/images/${cow.id}/merge`, { mode: 'commit' });
    expect(res.status).toBe(202);
    let killed = false;
    for (const deadline = Date.now() + 30_000; !killed && Date.now() < deadline;) {
      for (const pid of pidsMentioning('uml_moo').filter((p) => p !== process.pid)) {
        process.kill(pid, 'SIGKILL');
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(killed).toBe(true);
    let job = (await api<Job>('GET', `/jobs/${res.body.id}`)).body;
    while (job.state === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      job = (await api<Job>('GET', `/jobs/${res.body.id}`)).body;
    }
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/Merge again to finish/);
    expect((await layerOf(a)).id).toBe(cow.id);
    expect((await api<{ code: string }>('POST', `/vms/${a.id}/disks/disk0/revert`, { imageId: cow.parentId })).body.code).toMatch(
      /merge_unfinished|invalid/,
    );
    const again = await mergeAndWait(cow.id, { mode: 'commit' });
    expect(again.state, again.error).toBe('succeeded');
    expect(await runInGuest(a, ['md5sum /root/big | cut -c1-32', 'cat /root/a.txt'])).toEqual([sum, 'first-boot']);
  });

  it('a restart finishes a half-done uml_moo -d from its journal, past the backing mtime it moved', async () => {
    expect(await runInGuest(a, ['echo journaled > /root/j.txt'])).toEqual(['']);
    const cow = await layerOf(a);
    const base = (await images()).find((i) => i.id === cow.parentId)!;
    const stamp = { mtime: Math.floor(statSync(base.path).mtimeMs / 1000), size: statSync(base.path).size };
    // What a server killed while its uml_moo -d ran leaves: the sectors written, the mtime moved, the job running.
    execFileSync('uml_moo', ['-d', '-b', base.path, cow.path]);
    execFileSync('touch', ['-d', `@${stamp.mtime + 5}`, base.path]);
    const journal = {
      mode: 'commit',
      step: 'committing',
      live: false,
      inPlace: true,
      uml: true,
      stamp,
      vmId: a.id,
      diskId: 'disk0',
      layerId: cow.id,
      parentId: base.id,
      tmp: '',
      target: base.path,
    };
    const record = {
      id: 'died-moo',
      name: 'died-moo',
      kind: 'merge',
      state: 'running',
      progress: 0.5,
      title: 'commit',
      vmId: a.id,
      imageId: cow.id,
      journal,
      createdAt: '',
      updatedAt: '',
    };
    const db = (await import('better-sqlite3')).default(`${server.dataDir}/strata.db`);
    db.prepare('INSERT INTO jobs (id, name, doc) VALUES (?, ?, ?)').run(record.id, record.id, JSON.stringify(record));
    db.close();
    await server.restart();
    const job = (await api<Job>('GET', '/jobs/died-moo')).body;
    expect(job, job.error).toMatchObject({ state: 'succeeded', result: expect.stringMatching(/run again after a restart/) });
    const fresh = await layerOf(a);
    expect(fresh).toMatchObject({ parentId: base.id, pendingFirstUse: true });
    expect(await runInGuest(a, ['cat /root/j.txt /root/a.txt'])).toEqual(['journaled\r\nfirst-boot']);
  });

  it('snapshots a UML disk as a job (a verified plain file under a fresh COW), listed with the jobs, and reverts to it', async () => {
    const before = await layerOf(a);
    const res = await api<Job>('POST', `/vms/${a.id}/disks/disk0/snapshots`, { name: 's1' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ kind: 'uml-snapshot', vmId: a.id, title: expect.stringMatching(/Snapshot s1 of/) });
    const job = await waitFor(
      async () => {
        const j = (await api<Job>('GET', `/jobs/${res.body.id}`)).body;
        return j.state === 'running' ? undefined : j;
      },
      120_000,
      'the snapshot job',
      100,
    );
    expect(job, job.error).toMatchObject({ state: 'succeeded', progress: 1, result: expect.stringMatching(/s1 of disk0 is taken/) });
    // A page reload finds it in the jobs list.
    expect((await api<Job[]>('GET', '/jobs')).body.find((j) => j.id === job.id)).toMatchObject({ state: 'succeeded' });
    expect(readdirSync(dirname((await images())[0]!.path)).filter((f) => f.endsWith('.snapshot.tmp'))).toEqual([]);
    const top = await layerOf(a);
    const snap = (await images()).find((i) => i.id === top.parentId)!;
    expect(top).toMatchObject({ format: 'uml-cow', pendingFirstUse: true });
    expect(snap).toMatchObject({
      format: 'raw',
      protected: true,
      ownerVmId: a.id,
      parentId: before.parentId,
      snapshot: expect.objectContaining({ name: 's1' }),
    });
    expect(await runInGuest(a, ['cat /root/a.txt', 'echo after > /root/after.txt'])).toEqual(['first-boot', '']);
    expect((await api('POST', `/vms/${a.id}/disks/disk0/revert`, { imageId: snap.id })).status).toBe(200);
    const [out] = await runInGuest(a, ['cat /root/a.txt; ls /root/after.txt 2>&1']);
    expect(out).toMatch(/first-boot[\s\S]*No such file/);
  });

  it("refuses to boot a COW whose backing file was touched, with UML's reason, and still after the mtime is put back", async () => {
    await runInGuest(b, ['true']);
    const cow = await layerOf(b);
    const base = (await images()).find((i) => i.id === cow.parentId)!;
    const mtime = Math.floor(statSync(base.path).mtimeMs / 1000);
    execFileSync('touch', ['-d', `@${mtime + 100}`, base.path]);
    const touched = (await images()).find((i) => i.id === cow.id)!;
    expect(touched.valid).toBe(false);
    expect(touched.invalidReason).toMatch(/UML would refuse it: the backing file's mtime is \d+, its COW header says \d+/);
    const refused = await api<{ code: string; message: string }>('POST', `/vms/${b.id}/start`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/UML would refuse it/);
    // Putting the exact mtime back fools UML (its COW check compares only the mtime) but not the fingerprint.
    execFileSync('touch', ['-d', `@${mtime}`, base.path]);
    const faked = (await images()).find((i) => i.id === cow.id)!;
    expect(faked.invalidReason).not.toMatch(/UML would refuse/);
    expect(faked.invalidReason).toMatch(/changed after this layer was made on it: it was (modified|changed)/);
    expect((await api('POST', `/vms/${b.id}/start`)).status).toBe(409);
    expect(pidsMentioning(`umid=strata-${b.id}`)).toEqual([]);
  });

  it('outlives a server restart, and is marked crashed when its kernel is killed', async () => {
    const viewer = await startAndOpen(server, api, a.id);
    viewer.close();
    const pid = (await api<Vm>('GET', `/vms/${a.id}`)).body.pid!;
    await server.restart();
    const back = (await api<Vm>('GET', `/vms/${a.id}`)).body;
    expect(back).toMatchObject({ state: 'running', pid });
    const again = await startAndOpen(server, api, b.id).catch((e: Error) => e);
    expect(again).toBeInstanceOf(Error); // b stays refused after the restart too
    expect((again as Error).message).toBe('start answered 409'); // refused, not merely slow to boot
    for (const p of pidsMentioning(`umid=strata-${a.id}`)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // the tree dies as its sandbox does
      }
    }
    const crashed = await waitForState(a.id, 'crashed', 15_000);
    expect(crashed.lastError).toMatch(/exited unexpectedly/);
    expect(pidsMentioning(`umid=strata-${a.id}`)).toEqual([]);
  });
});
