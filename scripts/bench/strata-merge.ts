// Strata's own merge job, as the server runs it (createVmServices + the server's ImageFiles), on
// in-memory records: a bench can time it start to done without a database, HTTP or a guest.
import {
  createJobService,
  createVmServices,
  silentLogger,
  withDefaults,
  type ImageRecord,
  type JobRecord,
  type Repository,
  type VmRecord,
} from '@strata/core';
import type { MergePlan } from '@strata/contract';
import { createImageFiles } from '../../apps/server/src/images/image-files.js';

function memory<T extends { id: string; name: string }>(): Repository<T> {
  const rows = new Map<string, T>();
  return {
    list: () => [...rows.values()],
    get: (id) => rows.get(id),
    findByName: (name) => [...rows.values()].filter((r) => r.name === name),
    insert: (r) => void rows.set(r.id, r),
    update: (id, patch) => {
      const next = { ...rows.get(id)!, ...patch };
      rows.set(id, next);
      return next;
    },
    remove: (id) => void rows.delete(id),
  };
}

let counter = 0;
const newId = () => `b${Date.now().toString(36)}${(counter++).toString(36)}`;

/** One stopped VM whose disk is `top` on `parent`, and the service that merges it. */
export function strataMerger(
  dir: string,
  chain: { parent: { path: string; format: 'qcow2' | 'raw' }; top: { path: string; format: 'qcow2' | 'uml-cow' }; virtualSize: number },
) {
  const images = memory<ImageRecord>();
  const vmRows = memory<VmRecord>();
  const vms = { ...vmRows, findByName: (name: string) => vmRows.findByName(name)[0] };
  const jobs = createJobService({
    jobs: memory<JobRecord>(),
    events: { emit: () => undefined },
    newId,
    now: () => new Date().toISOString(),
  });
  const image = (id: string, path: string, format: ImageRecord['format'], parentId: string | null): ImageRecord => ({
    id,
    name: id,
    path,
    format,
    parentId,
    virtualSize: chain.virtualSize,
    protected: parentId === null,
    ownerVmId: 'vm',
    boot: null,
    parentFingerprint: null,
    invalidReason: null,
    snapshot: null,
    createdAt: '',
  });
  images.insert(image('parent', chain.parent.path, chain.parent.format, null));
  images.insert(image('top', chain.top.path, chain.top.format, 'parent'));
  vmRows.insert(
    withDefaults({
      id: 'vm',
      name: 'bench',
      cpu: { sockets: 1, cores: 1, threads: 1 },
      state: 'stopped',
      hypervisor: chain.top.format === 'uml-cow' ? 'uml' : 'qemu',
      disks: [{ id: 'disk0', imageId: 'top', bus: 'virtio' }],
    }),
  );
  const service = createVmServices({
    vms,
    images,
    files: createImageFiles(dir, dir),
    drivers: {},
    affinity: { set: async () => undefined, get: () => ({ affinity: [], lastCpu: 0 }), threads: () => [] },
    host: { info: async () => ({ cpu: { logicalCpus: 2 }, memory: { totalBytes: 2 ** 32 } }) as never, cpuModels: async () => [] },
    events: { emit: () => undefined },
    vmDir: () => dir,
    newId,
    now: () => new Date().toISOString(),
    defaultImage: 'none',
    shares: memory(),
    shareRoots: [],
    pathFs: {} as never,
    jobs,
    logger: silentLogger,
  }).merges;
  return {
    plan: (): MergePlan => service.planMerge('top'),
    /** Seconds from the request to the job's end; throws with the job's error if it failed. */
    async commit(): Promise<number> {
      const started = process.hrtime.bigint();
      const job = await jobs.settled(service.merge('top', { mode: 'commit' }).id);
      if (job.state !== 'succeeded') throw new Error(`Strata's merge ${job.state}: ${job.error}`);
      return Number(process.hrtime.bigint() - started) / 1e9;
    },
  };
}
