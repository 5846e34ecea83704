import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Image, Job, Vm } from '@strata/contract';
import { imageInfo } from '@strata/qemu';
import { serverPerFile } from './server-per-file.js';
import { inGuest } from './fresh-boot.js';

const { server, api, waitForState } = serverPerFile();
const MiB = 1024 * 1024;
type Refusal = { code: string; field?: string; message: string };

const images = async () => (await api<Image[]>('GET', '/images')).body;
const imageOf = async (id: string) => (await images()).find((i) => i.id === id)!;
const topOf = async (vm: Vm, diskId: string) => imageOf(vm.disks.find((d) => d.id === diskId)!.imageId);
const sha = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];

async function waitForJob(id: string): Promise<Job> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const job = (await api<Job>('GET', `/jobs/${id}`)).body;
    if (job.state !== 'running' && job.state !== 'queued') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('disks, clones, restart and pending changes of a QEMU VM, with real qemu-img and QEMU', () => {
  let vm: Vm;

  it('adds a blank disk and a disk on a shared image, which stays shared and untouched', async () => {
    vm = (await api<Vm>('POST', '/vms', { name: 'ops', shutdownTimeoutSec: 5 })).body;
    const base = (await images()).find((i) => i.name === 'strata-mini')!;
    const baseSum = sha(base.path);

    const blank = await api<Vm>('POST', `/vms/${vm.id}/disks`, { sizeBytes: 64 * MiB, bus: 'scsi' });
    expect(blank.status).toBe(201);
    expect(blank.body.disks.map((d) => [d.id, d.bus])).toEqual([
      ['disk0', 'virtio'],
      ['disk1', 'scsi'],
    ]);
    const blankTop = await topOf(blank.body, 'disk1');
    expect(blankTop).toMatchObject({ format: 'qcow2', parentId: null, ownerVmId: vm.id, virtualSize: 64 * MiB });
    expect((await imageInfo(blankTop.path, 'qcow2'))['virtual-size']).toBe(64 * MiB);

    const onImage = await api<Vm>('POST', `/vms/${vm.id}/disks`, { image: 'strata-mini' });
    expect(onImage.status).toBe(201);
    vm = onImage.body;
    const overlay = await topOf(vm, 'disk2');
    expect(overlay).toMatchObject({ parentId: base.id, ownerVmId: vm.id, format: 'qcow2' });
    expect((await imageInfo(overlay.path, 'qcow2'))['backing-filename']).toBe(base.path);
    expect((await imageOf(base.id)).usedBy.filter((u) => u.vmId === vm.id)).toHaveLength(2);
    expect(sha(base.path)).toBe(baseSum);
  });

  it('refuses bad disk requests naming the field', async () => {
    const refuse = async (body: object, field: string, status = 400) => {
      const res = await api<Refusal>('POST', `/vms/${vm.id}/disks`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.field).toBe(field);
    };
    await refuse({ sizeBytes: 64 * MiB, image: 'strata-mini' }, 'body.image');
    await refuse({}, 'body.sizeBytes');
    await refuse({ sizeBytes: 1000 }, 'body.sizeBytes');
    await refuse({ sizeBytes: 64 * MiB, bus: 'floppy' }, 'body.bus');
    await refuse({ image: '../../../etc/passwd' }, 'body.image');
    await refuse({ image: '/dev/sda' }, 'body.image');
    // Another VM's writable layer is not a shared image: a second writer would corrupt it.
    const other = (await api<Vm>('POST', '/vms', { name: 'ops-other' })).body;
    await refuse({ image: other.disks[0]!.imageId }, 'body.image');
    expect((await api('DELETE', `/vms/${other.id}`)).status).toBe(204);
  });

  it('grows a disk, refuses to shrink it, and never removes the boot disk', async () => {
    const grown = await api<Vm>('POST', `/vms/${vm.id}/disks/disk1/resize`, { sizeBytes: 128 * MiB });
    expect(grown.status).toBe(200);
    const top = await topOf(grown.body, 'disk1');
    expect(top.virtualSize).toBe(128 * MiB);
    expect((await imageInfo(top.path, 'qcow2'))['virtual-size']).toBe(128 * MiB);

    const shrink = await api<Refusal>('POST', `/vms/${vm.id}/disks/disk1/resize`, { sizeBytes: 64 * MiB });
    expect(shrink.status).toBe(400);
    expect(shrink.body.field).toBe('body.sizeBytes');
    expect(shrink.body.message).toMatch(/shrinking is refused/);
    expect((await imageInfo(top.path, 'qcow2'))['virtual-size']).toBe(128 * MiB);

    const boot = await api<Refusal>('DELETE', `/vms/${vm.id}/disks/disk0`);
    expect(boot.status).toBe(400);
    expect(boot.body).toMatchObject({ code: 'boot_disk', field: 'params.disk' });
    expect((await api<Refusal>('DELETE', `/vms/${vm.id}/disks/disk9`)).body.field).toBe('params.disk');
    expect((await api<Refusal>('DELETE', `/vms/${vm.id}/disks/..%2F..`)).status).toBe(400);
  });

  it('removes a disk with its layers deleted, or kept as a standalone image; shared bases stay', async () => {
    const overlay = await topOf(vm, 'disk2');
    const deleted = await api<Vm>('DELETE', `/vms/${vm.id}/disks/disk2`);
    expect(deleted.body.disks.map((d) => d.id)).toEqual(['disk0', 'disk1']);
    expect(existsSync(overlay.path)).toBe(false);
    expect(existsSync((await imageOf(overlay.parentId!)).path)).toBe(true);

    const blank = await topOf(deleted.body, 'disk1');
    const kept = await api<Vm>('DELETE', `/vms/${vm.id}/disks/disk1?layers=keep`);
    vm = kept.body;
    expect(vm.disks.map((d) => d.id)).toEqual(['disk0']);
    expect(await imageOf(blank.id)).toMatchObject({ ownerVmId: null, usedBy: [] });
    expect(existsSync(blank.path)).toBe(true);
  });

  it('makes a full clone as a job: a standalone copy the source does not share', async () => {
    const sourceTop = await topOf(vm, 'disk0');
    const base = await imageOf(sourceTop.parentId!);
    const sourceSum = sha(sourceTop.path);
    const started = await api<Job>('POST', `/vms/${vm.id}/clone`, { name: 'ops-full', mode: 'full' });
    expect(started.status).toBe(202);
    const job = await waitForJob(started.body.id);
    expect(job.state, job.error).toBe('succeeded');
    const clone = (await api<Vm[]>('GET', '/vms')).body.find((v) => v.name === 'ops-full')!;
    const copy = await topOf(clone, 'disk0');
    expect(copy).toMatchObject({ parentId: null, ownerVmId: clone.id, format: 'qcow2', virtualSize: sourceTop.virtualSize });
    expect((await imageInfo(copy.path, 'qcow2'))['backing-filename']).toBeUndefined();
    expect(readdirTmp()).toEqual([]);

    const compare = () => spawnSync('qemu-img', ['compare', '-f', 'qcow2', '-F', 'qcow2', sourceTop.path, copy.path], { encoding: 'utf8' });
    expect(compare().status).toBe(0);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0xab 0 1M', copy.path]);
    expect(sha(sourceTop.path)).toBe(sourceSum);
    const after = compare();
    expect(after.status).toBe(1);
    expect(after.stdout).toMatch(/mismatch/i);
    // The source still stands on its base: deleting that base is refused while it is used.
    const del = await api<Refusal>('DELETE', `/images/${base.id}`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('image_in_use');
  }, 240_000);

  it('makes a linked clone on the source frozen as a shared read-only layer; the source cannot be deleted under it', async () => {
    const before = await topOf(vm, 'disk0');
    const res = await api<Vm>('POST', `/vms/${vm.id}/clone`, { name: 'ops-linked', mode: 'linked' });
    expect(res.status).toBe(201);
    const clone = res.body;
    const frozen = await imageOf(before.id);
    expect(frozen).toMatchObject({ protected: true, ownerVmId: vm.id, snapshot: { name: 'clone-ops-linked' } });
    expect((await topOf(clone, 'disk0')).parentId).toBe(before.id);
    vm = (await api<Vm>('GET', `/vms/${vm.id}`)).body;
    expect((await topOf(vm, 'disk0')).parentId).toBe(before.id);
    const del = await api<Refusal>('DELETE', `/vms/${vm.id}`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('image_in_use');
    const taken = await api<Refusal>('POST', `/vms/${vm.id}/clone`, { name: 'ops-linked', mode: 'full' });
    expect(taken.body).toMatchObject({ code: 'name_taken', field: 'body.name' });
  });

  it('restarts a running VM: a new process, running again', async () => {
    const started = (await api<Vm>('POST', `/vms/${vm.id}/start`)).body;
    expect(started.state).toBe('running');
    const stopped = await api<Refusal>('POST', `/vms/${vm.id}/clone`, { name: 'ops-hot', mode: 'full' });
    expect(stopped.body).toMatchObject({ code: 'requires_stop', field: 'params.id' });
    expect((await api<Refusal>('POST', `/vms/${vm.id}/disks`, { sizeBytes: 64 * MiB })).body).toMatchObject({
      code: 'requires_stop',
      field: 'params.id',
    });
    const restarted = await api<Vm>('POST', `/vms/${vm.id}/restart`);
    expect(restarted.status, JSON.stringify(restarted.body)).toBe(200);
    expect(restarted.body.state).toBe('running');
    expect(restarted.body.pid).not.toBe(started.pid);
    expect(execFileSync('ps', ['-o', 'pid=', '-p', String(restarted.body.pid)], { encoding: 'utf8' }).trim()).toBe(
      String(restarted.body.pid),
    );
  }, 180_000);

  it('grows the boot disk of the running VM live', async () => {
    const top = await topOf(vm, 'disk0');
    const res = await api<Vm>('POST', `/vms/${vm.id}/disks/disk0/resize`, { sizeBytes: top.virtualSize + 64 * MiB });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await imageInfo(top.path, 'qcow2'))['virtual-size']).toBe(top.virtualSize + 64 * MiB);
    expect((await topOf(res.body, 'disk0')).virtualSize).toBe(top.virtualSize + 64 * MiB);
  });

  it('keeps a memory change of a running VM pending, discards it on request, and applies it at restart', async () => {
    const pending = await api<Vm>('PATCH', `/vms/${vm.id}`, { memoryMiB: 320 });
    expect(pending.body).toMatchObject({ memoryMiB: 256, pending: { memoryMiB: 320 } });
    expect((await api<Vm>('DELETE', `/vms/${vm.id}/pending`)).body).toMatchObject({ memoryMiB: 256, pending: null });

    await api<Vm>('PATCH', `/vms/${vm.id}`, { memoryMiB: 320, shutdownTimeoutSec: 6 });
    const kept = (await api<Vm>('GET', `/vms/${vm.id}`)).body;
    expect(kept).toMatchObject({ memoryMiB: 256, shutdownTimeoutSec: 6, pending: { memoryMiB: 320 } });
    const restarted = await api<Vm>('POST', `/vms/${vm.id}/restart`);
    expect(restarted.body).toMatchObject({ state: 'running', memoryMiB: 320, pending: null });
    const argv = JSON.parse(readFileSync(`${server().dataDir}/vms/${vm.id}/qemu.argv.json`, 'utf8')) as string[];
    expect(argv[argv.indexOf('-m') + 1]).toMatch(/^320/);
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 30_000);
  }, 180_000);
});

describe('what UML can do with disks: ubd disks read at start, no growing', () => {
  const run = (vm: Vm, commands: string[]) => inGuest(server(), { api, waitForState }, vm.id, commands);
  let uml: Vm;

  it('adds a blank disk as a COW on a base of the VM own, which the guest sees as ubdb; growing is refused with the reason', async () => {
    uml = (await api<Vm>('POST', '/vms', { name: 'ops-uml', hypervisor: 'uml', memoryMiB: 128 })).body;
    expect((await api<Refusal>('POST', `/vms/${uml.id}/disks`, { sizeBytes: 32 * MiB, bus: 'ide' })).body.field).toBe('body.bus');
    const added = await api<Vm>('POST', `/vms/${uml.id}/disks`, { sizeBytes: 32 * MiB });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    uml = added.body;
    const top = await topOf(uml, 'disk1');
    expect(top).toMatchObject({ format: 'uml-cow', pendingFirstUse: true, ownerVmId: uml.id });
    expect(await imageOf(top.parentId!)).toMatchObject({ format: 'raw', ownerVmId: uml.id, virtualSize: 32 * MiB, protected: true });
    const grow = await api<Refusal>('POST', `/vms/${uml.id}/disks/disk1/resize`, { sizeBytes: 64 * MiB });
    expect(grow.status).toBe(400);
    expect(grow.body.field).toBe('params.disk');
    expect(grow.body.message).toMatch(/UML COW file takes its size from its backing file/);

    const [partitions] = await run(uml, ['grep ubdb /proc/partitions; echo uml-mark > /root/mark.txt']);
    expect(partitions).toMatch(/\b32768\s+ubdb\b/);
  }, 180_000);

  it('makes a full clone of a UML VM: COW and base merged into a base of the clone own, which boots with the source data', async () => {
    const started = await api<Job>('POST', `/vms/${uml.id}/clone`, { name: 'ops-uml-full', mode: 'full' });
    expect(started.status).toBe(202);
    const job = await waitForJob(started.body.id);
    expect(job.state, job.error).toBe('succeeded');
    const clone = (await api<Vm[]>('GET', '/vms')).body.find((v) => v.name === 'ops-uml-full')!;
    expect(clone.disks.map((d) => d.id)).toEqual(['disk0', 'disk1']);
    const top = await topOf(clone, 'disk0');
    expect(top).toMatchObject({ format: 'uml-cow', pendingFirstUse: true, ownerVmId: clone.id });
    expect(await imageOf(top.parentId!)).toMatchObject({ format: 'raw', ownerVmId: clone.id, parentId: null });
    const [mark] = await run(clone, ['cat /root/mark.txt']);
    expect(mark).toContain('uml-mark');
  }, 240_000);

  it('makes a linked clone of a UML VM: the COW merged into a frozen plain base, under a fresh COW for each VM', async () => {
    const sourceTop = await topOf(uml, 'disk0');
    expect(sourceTop.pendingFirstUse).toBe(false);
    const res = await api<Vm>('POST', `/vms/${uml.id}/clone`, { name: 'ops-uml-linked', mode: 'linked' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const source = (await api<Vm>('GET', `/vms/${uml.id}`)).body;
    const [mine, theirs] = [await topOf(source, 'disk0'), await topOf(res.body, 'disk0')];
    expect(mine.parentId).toBe(theirs.parentId);
    expect(await imageOf(mine.parentId!)).toMatchObject({
      format: 'raw',
      protected: true,
      ownerVmId: uml.id,
      snapshot: { name: 'clone-ops-uml-linked' },
    });
    expect(theirs).toMatchObject({ format: 'uml-cow', ownerVmId: res.body.id, pendingFirstUse: true });
    expect(existsSync(sourceTop.path)).toBe(false);
  }, 120_000);
});

/** Temporary files a copy leaves behind, if any. */
function readdirTmp(): string[] {
  return execFileSync('find', [`${server().dataDir}`, '-name', '*.tmp-*'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

describe('racing clones, disk adds and image deletes, and a rebase onto a VM layer, through the API', () => {
  const store = () => readdirSync(`${server().dataDir}/images`).filter((f) => !f.includes('.tmp-'));

  it('two linked clones of two VMs under one name at once: one 201, one 409 body.name, the loser untouched', async () => {
    const a = (await api<Vm>('POST', '/vms', { name: 'race-a' })).body;
    const b = (await api<Vm>('POST', '/vms', { name: 'race-b' })).body;
    const topsBefore = [a.disks[0]!.imageId, b.disks[0]!.imageId];
    const answers = await Promise.all(
      [a, b].map((v) => api<Vm | Refusal>('POST', `/vms/${v.id}/clone`, { name: 'race-dup', mode: 'linked' })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    const lost = answers.findIndex((r) => r.status === 409);
    expect(answers[lost]!.body).toMatchObject({ code: 'name_taken', field: 'body.name' });
    const loser = (await api<Vm>('GET', `/vms/${[a, b][lost]!.id}`)).body;
    expect(loser.disks[0]!.imageId).toBe(topsBefore[lost]);
    expect(await imageOf(topsBefore[lost]!)).toMatchObject({ snapshot: null, protected: false });
    const vmIds = new Set((await api<Vm[]>('GET', '/vms')).body.map((v) => v.id));
    expect((await images()).filter((i) => i.ownerVmId !== null && !vmIds.has(i.ownerVmId))).toEqual([]);
    expect((await api('DELETE', `/vms/${loser.id}`)).status).toBe(204);
  });

  it('a disk added on an image while it is deleted: the VM never stands on a gone image, and no file is left without a record', async () => {
    const vmOf = (await api<Vm>('POST', '/vms', { name: 'race-add' })).body;
    for (let round = 0; round < 3; round++) {
      const img = (await api<Image>('POST', '/images', { name: `race-shared-${round}`, format: 'qcow2', sizeBytes: 64 * MiB })).body;
      const [add, del] = await Promise.all([
        api<Vm | Refusal>('POST', `/vms/${vmOf.id}/disks`, { image: img.id }),
        api<Refusal>('DELETE', `/images/${img.id}`),
      ]);
      if (add.status === 201) expect(del.body).toMatchObject({ code: 'image_in_use' });
      else {
        expect(del.status).toBe(204);
        expect(add.status).toBe(404);
        expect(add.body).toMatchObject({ code: 'image_not_found', field: 'body.image' });
      }
      const all = await images();
      for (const disk of (await api<Vm>('GET', `/vms/${vmOf.id}`)).body.disks) {
        const top = all.find((i) => i.id === disk.imageId)!;
        expect(top.parentId === null || all.some((i) => i.id === top.parentId)).toBe(true);
      }
      const recorded = new Set(all.map((i) => basename(i.path)));
      expect(store().filter((f) => !recorded.has(f))).toEqual([]);
    }
  });

  it("refuses to rebase a shared image onto a VM's writable top, naming body.parentId", async () => {
    const owner = (await api<Vm[]>('GET', '/vms')).body.find((v) => v.name === 'race-add')!;
    const img = (await api<Image>('POST', '/images', { name: 'race-rebase', format: 'qcow2', sizeBytes: 64 * MiB })).body;
    const res = await api<Refusal>('POST', `/images/${img.id}/rebase`, { parentId: owner.disks[0]!.imageId });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      field: 'body.parentId',
      message: expect.stringMatching(/is a layer of VM 'race-add', not a shared image/),
    });
    expect((await imageOf(owner.disks[0]!.imageId)).protected).toBe(false);
  });
});
