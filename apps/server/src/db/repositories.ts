import {
  withDefaults,
  type ImageRecord,
  type ImageRepository,
  type JobRecord,
  type JobRepository,
  type ShareRecord,
  type ShareRepository,
  type VmRecord,
  type VmRepository,
} from '@strata/core';
import type { Db } from './database.js';
import { DocRepository } from './doc-repository.js';

export function vmRepository(db: Db): VmRepository {
  const docs = new DocRepository<VmRecord>(db, 'vms', withDefaults);
  return {
    list: () => docs.list(),
    get: (id) => docs.get(id),
    findByName: (name) => docs.findByName(name)[0],
    insert: (vm) => docs.insert(vm),
    update: (id, patch) => docs.update(id, patch),
    remove: (id) => docs.remove(id),
  };
}

/** Image records from before fingerprints and snapshots get those fields empty. */
const imageDefaults = (image: ImageRecord): ImageRecord => ({
  ...{ parentFingerprint: null, invalidReason: null, snapshot: null },
  ...image,
});

export function imageRepository(db: Db): ImageRepository {
  return new DocRepository<ImageRecord>(db, 'images', imageDefaults);
}

export function jobRepository(db: Db): JobRepository {
  return new DocRepository<JobRecord>(db, 'jobs');
}

export function shareRepository(db: Db): ShareRepository {
  return new DocRepository<ShareRecord>(db, 'shares');
}
