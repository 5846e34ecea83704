import type { ImageRecord, ImageRepository, VmRecord, VmRepository } from '@strata/core';
import type { Db } from './database.js';
import { DocRepository } from './doc-repository.js';

export function vmRepository(db: Db): VmRepository {
  const docs = new DocRepository<VmRecord>(db, 'vms');
  return {
    list: () => docs.list(),
    get: (id) => docs.get(id),
    findByName: (name) => docs.findByName(name)[0],
    insert: (vm) => docs.insert(vm),
    update: (id, patch) => docs.update(id, patch),
    remove: (id) => docs.remove(id),
  };
}

export function imageRepository(db: Db): ImageRepository {
  return new DocRepository<ImageRecord>(db, 'images');
}
