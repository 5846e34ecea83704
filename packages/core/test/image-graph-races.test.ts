import { describe, expect, it } from 'vitest';
import { StrataError } from '../src/errors.js';
import { createImageOps } from '../src/image-ops.js';
import { recoverImageJob } from '../src/image-rewrite.js';
import { createJobService } from '../src/job-service.js';
import type { ImageFiles, JobRecord } from '../src/ports.js';
import type { ImageRecord } from '../src/records.js';
import { createVmServices } from '../src/vm-service.js';
import { fakeWorld, memoryRepo, recordingLogger } from './vm-fakes.js';
import { image } from './merge-fakes.js';

const shared = (id: string): ImageRecord => image(id, null, { path: `/data/images/${id}.qcow2`, virtualSize: 1 << 30, protected: false });

/** The fake world with a second stopped VM, a shared image, and files whose overlays take a few turns to appear. */
function raceWorld() {
  const { vms, images, driver } = fakeWorld();
  const vm1 = vms.get('vm1')!;
  images.insert({ ...images.get('top')!, id: 'top2', name: 'top2', ownerVmId: 'vm2' });
  vms.insert({ ...vm1, id: 'vm2', name: 'other', disks: [{ id: 'disk0', imageId: 'top2', bus: 'virtio' }] });
  images.insert(shared('shared'));
  const onDisk = new Set<string>(images.list().map((i) => i.path));
  const turns = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  };
  const files = {
    exists: (p: string) => onDisk.has(p),
    fingerprint: () => null,
    cowHeader: () => null,
    allocatedSize: () => 0,
    freeSpace: () => 1 << 30,
    sha256: async () => 'x',
    pathFor: (id: string, format: string) => `/data/images/${id}.${format}`,
    createOverlay: async (parent: ImageRecord, id: string) => {
      await turns();
      const path = `/data/images/${id}.qcow2`;
      onDisk.add(path);
      return { path, virtualSize: parent.virtualSize };
    },
    protect: async () => undefined,
    // A copy that is still running when the server is killed: it never finishes.
    convert: () => new Promise<void>(() => undefined),
    removeFile: async (p: string) => {
      await turns();
      onDisk.delete(p);
    },
  } as unknown as ImageFiles;
  const jobRows = memoryRepo<JobRecord>();
  const jobs = createJobService({
    jobs: jobRows,
    events: { emit: () => undefined },
    newId: () => 'job1',
    now: () => 'now',
  });
  let n = 0;
  const newId = () => `id${++n}`;
  const events = { emit: () => undefined };
  const services = createVmServices({
    vms,
    images,
    files,
    drivers: { qemu: driver },
    host: {
      info: async () =>
        ({
          cpu: { logicalCpus: 4 },
          memory: { totalBytes: 8 * 1024 ** 3 },
          accelerator: { selected: 'tcg', kvm: { usable: false, reason: 'none' } },
        }) as never,
      cpuModels: async () => [],
    },
    affinity: { set: async () => undefined, get: () => ({ affinity: [0], lastCpu: 0 }), threads: () => [] },
    events,
    jobs,
    logger: recordingLogger([]),
    vmDir: (id) => `/data/vms/${id}`,
    newId,
    now: () => 'now',
    defaultImage: 'base',
    shares: memoryRepo(),
    shareRoots: [],
    pathFs: { realpath: (p) => p, isDirectory: () => true },
  });
  const ops = createImageOps({ images, files, vms, events, jobs, newId, now: () => 'now' });
  return { services, ops, vms, images, onDisk, jobRows, files };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: unknown) => (err instanceof StrataError ? { code: err.code, field: err.field, message: err.message } : String(err)),
  );

describe('races on one VM name', () => {
  it('two linked clones of two VMs under one name: one is made, the other is refused before it freezes anything', async () => {
    const { services, vms, images, onDisk } = raceWorld();
    const [a, b] = await Promise.all([
      outcome(services.clones.clone('vm1', { name: 'dup', mode: 'linked' })),
      outcome(services.clones.clone('vm2', { name: 'dup', mode: 'linked' })),
    ]);
    expect(a).toBe('ok');
    expect(b).toMatchObject({ code: 'name_taken', field: 'body.name', message: "a VM named 'dup' exists already" });
    // The loser's source is as it was: same top, not renamed into a snapshot; no layer owned by a VM that does not exist.
    expect(vms.get('vm2')!.disks[0]!.imageId).toBe('top2');
    expect(images.get('top2')).toMatchObject({ name: 'top2', snapshot: null });
    const owners = new Set(vms.list().map((v) => v.id));
    expect(images.list().filter((i) => i.ownerVmId !== null && !owners.has(i.ownerVmId))).toEqual([]);
    expect([...onDisk].every((p) => images.list().some((i) => i.path === p))).toBe(true);
  });

  it('a VM created under the name a linked clone is taking is refused with 409, not a UNIQUE failure', async () => {
    const { services } = raceWorld();
    const cloning = outcome(services.clones.clone('vm1', { name: 'dup', mode: 'linked' }));
    await new Promise((r) => setTimeout(r, 0));
    const [clone, create] = await Promise.all([cloning, outcome(services.config.create({ name: 'dup', image: 'base' }))]);
    expect(clone).toBe('ok');
    expect(create).toMatchObject({ code: 'name_taken', field: 'body.name' });
  });
});

describe('a layer made on an image while the image is deleted', () => {
  it('the delete waits for the new layer and is refused; the disk stands on an image that exists', async () => {
    const { services, ops, vms, images } = raceWorld();
    const adding = outcome(services.disks.add('vm1', { image: 'shared' }));
    // One turn: the add holds the image's lock and waits for qemu-img's overlay when the delete is asked.
    await new Promise((r) => setTimeout(r, 0));
    const [add, remove] = await Promise.all([adding, outcome(ops.remove('shared'))]);
    expect(add).toBe('ok');
    expect(remove).toMatchObject({ code: 'image_in_use' });
    const disk1 = vms.get('vm1')!.disks.find((d) => d.id === 'disk1')!;
    expect(images.get(images.get(disk1.imageId)!.parentId!)).toBeDefined();
  });

  it('a disk added on an image deleted first is refused naming body.image, and leaves no file', async () => {
    const { services, ops, images, onDisk } = raceWorld();
    const before = new Set([...onDisk].filter((p) => !p.includes('/shared.')));
    // The delete's unlink takes a few turns, during which the add finds the image's record still there.
    const remove = ops.remove('shared');
    const add = outcome(services.disks.add('vm1', { image: 'shared' }));
    await remove;
    expect(images.get('shared')).toBeUndefined();
    expect(await add).toMatchObject({ code: 'image_not_found', field: 'body.image' });
    expect(onDisk).toEqual(before);
  });
});

describe('a rebase onto a VM layer', () => {
  it("is refused naming body.parentId: another VM's writable top would pin that VM", async () => {
    const { ops, images } = raceWorld();
    expect(await outcome(Promise.resolve().then(() => ops.rebase('shared', 'top')))).toMatchObject({
      field: 'body.parentId',
      message: expect.stringMatching(/top is a layer of VM 'one', not a shared image/),
    });
    expect(images.get('top')!.protected).toBe(false);
  });
});

describe('a full clone killed while it copies', () => {
  it('journals each copy before making it, so that recovery after a restart finds and removes it by id', async () => {
    const { services, vms, images, jobRows, files } = raceWorld();
    const started = await services.clones.clone('vm1', { name: 'copy', mode: 'full' });
    expect('job' in started).toBe(true);
    let record: JobRecord | undefined;
    for (let i = 0; i < 50 && !(record?.journal as { clone?: unknown } | undefined)?.clone; i++) {
      await new Promise((r) => setTimeout(r, 0));
      record = jobRows.list()[0];
    }
    const journal = record!.journal as { clone: { vmId: string; copies: { id: string; format: string }[] }; tmp: string };
    expect(journal.clone.copies).toHaveLength(1);
    const copy = journal.clone.copies[0]!;
    expect(journal.tmp.startsWith(`/data/images/${copy.id}.qcow2.tmp-`)).toBe(true);
    // What the next server start does with that record, the copy already renamed into place.
    const removed: string[] = [];
    const outcome = await recoverImageJob({ vms, images, files: { ...files, removeFile: async (p) => void removed.push(p) } }, record!);
    expect(outcome).toMatchObject({ kind: 'rolled-back', result: expect.stringContaining(`/data/images/${copy.id}.qcow2`) });
    expect(removed).toEqual([journal.tmp, `/data/images/${copy.id}.qcow2`]);
  });
});
