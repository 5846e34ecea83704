import { describe, expect, it } from 'vitest';
import type { Job } from '@strata/contract';
import { createJobService } from '../src/job-service.js';
import type { ImageFiles, JobRecord } from '../src/ports.js';
import { createVmServices } from '../src/vm-service.js';
import { fakeWorld, memoryRepo, recordingLogger } from './vm-fakes.js';

/** The fake world's VM and layers, with a real job service and files whose copy waits until it is cancelled. */
function cloneWorld() {
  const { vms, images, driver } = fakeWorld();
  const removed: string[] = [];
  const renamed: string[] = [];
  let started!: () => void;
  const copying = new Promise<void>((resolve) => (started = resolve));
  const files = {
    exists: () => true,
    fingerprint: () => null,
    cowHeader: () => null,
    allocatedSize: () => 1 << 20,
    freeSpace: () => 1 << 30,
    pathFor: (id: string, format: string) => `/data/images/${id}.${format}`,
    removeFile: async (path: string) => void removed.push(path),
    rename: async (_from: string, to: string) => void renamed.push(to),
    sync: async () => undefined,
    convert: (_source: string, _format: string, _target: string, options: { signal: AbortSignal }) =>
      new Promise<void>((_resolve, reject) => {
        started();
        options.signal.addEventListener('abort', () => reject(new Error('qemu-img was stopped')));
      }),
  } as unknown as ImageFiles;
  const jobs = createJobService({
    jobs: memoryRepo<JobRecord>(),
    events: { emit: () => undefined },
    newId: () => 'job1',
    now: () => 'now',
  });
  let n = 0;
  const services = createVmServices({
    vms,
    images,
    files,
    drivers: { qemu: driver },
    host: { info: async () => ({}) as never, cpuModels: async () => [] },
    affinity: { set: async () => undefined, get: () => ({ affinity: [0], lastCpu: 0 }), threads: () => [] },
    events: { emit: () => undefined },
    jobs,
    logger: recordingLogger([]),
    vmDir: (id) => `/data/vms/${id}`,
    newId: () => `id${++n}`,
    now: () => 'now',
    defaultImage: 'base',
    shares: memoryRepo(),
    shareRoots: [],
    pathFs: { realpath: (p) => p, isDirectory: () => true },
  });
  return { services, jobs, vms, images, removed, renamed, copying };
}

describe('a full clone is a job that can be cancelled', () => {
  it('holds the source while it copies, and a cancel leaves no VM, no image and no file behind', async () => {
    const world = cloneWorld();
    const before = world.images.list().length;
    const made = await world.services.clones.clone('vm1', { name: 'two', mode: 'full' });
    const job = (made as { job: Job }).job;
    expect(job).toMatchObject({ state: 'running', vmId: 'vm1', kind: 'image' });
    await world.copying;
    // While the copy reads the source, the source neither starts nor goes away.
    await expect(world.services.lifecycle.start('vm1')).rejects.toMatchObject({ code: 'vm_busy' });
    await expect(world.services.config.remove('vm1')).rejects.toMatchObject({ code: 'vm_busy' });
    world.jobs.cancel(job.id);
    expect(await world.jobs.settled(job.id)).toMatchObject({ state: 'cancelled' });
    expect(world.vms.findByName('two')).toBeUndefined();
    expect(world.images.list()).toHaveLength(before);
    expect(world.renamed).toEqual([]);
    expect(world.removed.some((p) => p.includes('.tmp-'))).toBe(true);
  });
});
