import { StrataError } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { ImageRepository, VmRepository } from './ports.js';

/**
 * Locks shared by every path that changes the image graph, keyed by image id: a layer made on X,
 * X deleted, X grown, X rebased. Whoever checks "nothing stands on X" and then acts holds X's lock
 * across both, and so does whoever puts a layer on X. Kept per image repository (one per server),
 * so the VM services and the image operations meet on the same locks without new wiring. Always
 * taken innermost (after a VM's lock), never while holding another image's lock except through
 * `withImages`, which takes them in one order.
 */
const imageLocks = new WeakMap<ImageRepository, KeyedMutex>();

export function withImages<T>(images: ImageRepository, ids: readonly string[], work: () => Promise<T>): Promise<T> {
  let mutex = imageLocks.get(images);
  if (!mutex) imageLocks.set(images, (mutex = new KeyedMutex()));
  const m = mutex;
  const keys = [...new Set(ids)].sort();
  const run = (i: number): Promise<T> => (i === keys.length ? work() : m.run(keys[i]!, () => run(i + 1)));
  return run(0);
}

/**
 * VM names being taken right now, per VM repository: a create or a clone reserves its name from
 * the check until its record is in, so two of them racing for one name get one 201 and one 409
 * (not a UNIQUE failure after files were made).
 */
const reservedNames = new WeakMap<VmRepository, Set<string>>();

export async function withNameReserved<T>(vms: VmRepository, name: string, work: () => Promise<T>): Promise<T> {
  let names = reservedNames.get(vms);
  if (!names) reservedNames.set(vms, (names = new Set()));
  if (names.has(name) || vms.findByName(name))
    throw new StrataError('conflict', 'name_taken', `a VM named '${name}' exists already`, 'body.name');
  names.add(name);
  try {
    return await work();
  } finally {
    names.delete(name);
  }
}
