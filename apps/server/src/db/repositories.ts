import { withDefaults, type ImageRecord, type ImageRepository, type VmRecord, type VmRepository } from '@strata/core';
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

export function imageRepository(db: Db): ImageRepository {
  return new DocRepository<ImageRecord>(db, 'images');
}
