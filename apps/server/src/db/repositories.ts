import { withDefaults, type ImageRecord, type ImageRepository, type JobRecord, type JobRepository, type VmRecord, type VmRepository } from '@strata/core';
import type { Db } from './database.js';
import { DocRepository } from './doc-repository.js';

export function vmRepository(db: Db): VmRepository {
  const docs = new DocRepository<VmRecord>(db, 'vms');
  return {
    list: () => docs.list().map(withDefaults),
    get: (id) => {
      const vm = docs.get(id);
      return vm && withDefaults(vm);
    },
    findByName: (name) => docs.findByName(name).map(withDefaults)[0],
    insert: (vm) => docs.insert(vm),
    update: (id, patch) => withDefaults(docs.update(id, patch)),
    remove: (id) => docs.remove(id),
  };
}

/** Image records from before fingerprints and snapshots get those fields empty. */
const imageDefaults = (image: Partial<ImageRecord> & Omit<ImageRecord, 'parentFingerprint' | 'invalidReason' | 'snapshot'>): ImageRecord =>
  ({ parentFingerprint: null, invalidReason: null, snapshot: null, ...image });

export function imageRepository(db: Db): ImageRepository {
  const docs = new DocRepository<ImageRecord>(db, 'images');
  return {
    list: () => docs.list().map(imageDefaults),
    get: (id) => {
      const image = docs.get(id);
      return image && imageDefaults(image);
    },
    findByName: (name) => docs.findByName(name).map(imageDefaults),
    insert: (image) => docs.insert(image),
    update: (id, patch) => imageDefaults(docs.update(id, patch)),
    remove: (id) => docs.remove(id),
  };
}

export function jobRepository(db: Db): JobRepository {
  return new DocRepository<JobRecord>(db, 'jobs');
}
