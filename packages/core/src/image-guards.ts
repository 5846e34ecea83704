import { conflict, notFound } from './errors.js';
import { chainOf, childrenOf, usersOf } from './image-chain.js';
import type { ImageOpsDeps } from './image-ops-deps.js';
import type { ImageRecord } from './records.js';
import { isActive } from './vm-state.js';

/** Lookups and refusals the image operations share. */

export function mustGetImage({ images }: Pick<ImageOpsDeps, 'images'>, id: string): ImageRecord {
  const image = images.get(id);
  if (!image) throw notFound('image', id);
  return image;
}

export const childrenOfImage = ({ images }: Pick<ImageOpsDeps, 'images'>, id: string) => childrenOf(id, images.list());

export const usersOfImage = (deps: Pick<ImageOpsDeps, 'images' | 'vms'>, id: string) =>
  usersOf(deps.images.list(), deps.vms.list()).get(id) ?? [];

/** A running VM that uses the image (as its writable top, if `writable`). */
export const runningUser = (deps: Pick<ImageOpsDeps, 'images' | 'vms'>, id: string, writable = false) =>
  usersOfImage(deps, id).find((u) => (!writable || u.role === 'writable') && isActive(deps.vms.get(u.vmId)?.state ?? 'stopped'));

/** VMs pick base images by name too: a second image of a name would take the first one's place. */
export function assertNameFree({ images }: Pick<ImageOpsDeps, 'images'>, name: string): void {
  if (images.findByName(name).some((i) => i.ownerVmId === null)) throw conflict('name_taken', `an image named '${name}' exists already`);
}

/** The boot spec a standalone copy of this layer's chain must carry (the base's, for the default guest). */
export const bootOfChain = ({ images }: Pick<ImageOpsDeps, 'images'>, id: string) =>
  chainOf(id, new Map(images.list().map((i) => [i.id, i])))
    .map((l) => l.boot)
    .find((b) => b !== null) ?? null;

export const imagesChanged = ({ events }: Pick<ImageOpsDeps, 'events'>) => events.emit({ type: 'images.changed' });

/** Records a new standalone image, its size as qemu-img reads it. */
export async function insertRoot(
  deps: Pick<ImageOpsDeps, 'images' | 'files' | 'events' | 'now'>,
  id: string,
  name: string,
  path: string,
  format: ImageRecord['format'],
  boot: ImageRecord['boot'] = null,
): Promise<ImageRecord> {
  const info = await deps.files.inspect(path, format);
  const record: ImageRecord = {
    id,
    name,
    path,
    format,
    parentId: null,
    virtualSize: info.virtualSize,
    protected: false,
    ownerVmId: null,
    boot,
    parentFingerprint: null,
    invalidReason: null,
    snapshot: null,
    createdAt: deps.now(),
  };
  deps.images.insert(record);
  imagesChanged(deps);
  return record;
}
