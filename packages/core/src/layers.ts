import { StrataError } from './errors.js';
import { withImages } from './image-locks.js';
import type { ImageFiles, ImageRepository } from './ports.js';
import type { ImageRecord } from './records.js';

export interface LayerDeps {
  images: ImageRepository;
  files: Pick<ImageFiles, 'createOverlay' | 'fingerprint' | 'pathFor' | 'protect' | 'removeFile' | 'sha256'>;
  newId(): string;
  now(): string;
}

/** A base is read-only on disk (a-w) and in the model; its fingerprint is taken after that chmod. */
export async function protect(deps: LayerDeps, image: ImageRecord): Promise<void> {
  if (image.protected) return;
  await deps.files.protect(image.path);
  deps.images.update(image.id, { protected: true });
}

/** The parent as it is now, under its lock: deleted meanwhile is a refusal naming it, never a 500 from chmod. */
function stillThere(deps: LayerDeps, parent: ImageRecord): ImageRecord {
  const now = deps.images.get(parent.id);
  if (!now)
    throw new StrataError(
      'not_found',
      'image_not_found',
      `image '${parent.name}' was deleted meanwhile; nothing was made on it`,
      'body.image',
    );
  return now;
}

/**
 * A new qcow2 layer on `parent`, made by qemu-img or, for a running VM, by `makeLive` (QEMU's
 * blockdev-snapshot-sync). Only once the overlay exists is the parent protected, so a failure never
 * leaves a writable top read-only; then it is fingerprinted (stat now, its sha256 in the
 * background), so that any later change to it is noticed.
 */
export async function createLayer(
  deps: LayerDeps,
  parent: ImageRecord,
  layer: { name: string; ownerVmId: string | null },
  makeLive?: (path: string) => Promise<void>,
): Promise<ImageRecord> {
  // Held from the check to the record, so that deleting, growing or rebasing the parent waits or sees this layer.
  return withImages(deps.images, [parent.id], () => layerOn(deps, stillThere(deps, parent), layer, makeLive));
}

async function layerOn(
  deps: LayerDeps,
  parent: ImageRecord,
  layer: { name: string; ownerVmId: string | null },
  makeLive?: (path: string) => Promise<void>,
): Promise<ImageRecord> {
  const id = deps.newId();
  const overlay = makeLive
    ? await (async () => {
        const path = deps.files.pathFor(id, 'qcow2');
        await makeLive(path);
        return { path, virtualSize: parent.virtualSize };
      })()
    : await deps.files.createOverlay(parent, id);
  const record: ImageRecord = {
    id,
    name: layer.name,
    path: overlay.path,
    format: 'qcow2',
    parentId: parent.id,
    virtualSize: overlay.virtualSize,
    protected: false,
    ownerVmId: layer.ownerVmId,
    boot: null,
    parentFingerprint: null,
    invalidReason: null,
    snapshot: null,
    createdAt: deps.now(),
  };
  try {
    await protect(deps, parent);
    record.parentFingerprint = deps.files.fingerprint(parent.path);
    deps.images.insert(record);
  } catch (err) {
    // A live overlay is QEMU's open file now; one qemu-img made is nobody's and must not stay without a record.
    if (!makeLive) await deps.files.removeFile(overlay.path);
    throw err;
  }
  // The hash only strengthens the stat fingerprint; losing it (the server closing meanwhile) is harmless.
  hashParent(deps, record).catch(() => undefined);
  return record;
}

async function hashParent(deps: LayerDeps, layer: ImageRecord): Promise<void> {
  const parent = layer.parentId ? deps.images.get(layer.parentId) : undefined;
  const before = layer.parentFingerprint;
  if (!parent || !before) return;
  const sha256 = await deps.files.sha256(parent.path).catch(() => null);
  const after = deps.files.fingerprint(parent.path);
  // Only a hash of the very file that was fingerprinted is worth keeping.
  if (!sha256 || !after || after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs || after.ino !== before.ino) return;
  const current = deps.images.get(layer.id);
  if (current?.parentFingerprint) deps.images.update(layer.id, { parentFingerprint: { ...current.parentFingerprint, sha256 } });
}

/**
 * A UML COW layer on a plain-file `parent` (UML's documentation: a COW's backing must be a plain file). UML
 * creates the file itself when the VM first starts (ubdN=COW,BACKING); until then the layer is
 * recorded as pending. It lives in the VM's directory, which the VM's unprivileged user owns.
 */
export async function createCowLayer(
  deps: LayerDeps,
  parent: ImageRecord,
  layer: { id?: string; name: string; ownerVmId: string; format: ImageRecord['format']; path: (id: string) => string },
): Promise<ImageRecord> {
  if (parent.format !== 'raw') throw new Error(`a UML COW needs a raw backing file; ${parent.name} is ${parent.format}`);
  return withImages(deps.images, [parent.id], () => cowOn(deps, stillThere(deps, parent), layer));
}

async function cowOn(
  deps: LayerDeps,
  parent: ImageRecord,
  layer: { id?: string; name: string; ownerVmId: string; format: ImageRecord['format']; path: (id: string) => string },
): Promise<ImageRecord> {
  const id = layer.id ?? deps.newId();
  await protect(deps, parent);
  const record: ImageRecord = {
    id,
    name: layer.name,
    path: layer.path(id),
    format: layer.format,
    parentId: parent.id,
    virtualSize: parent.virtualSize,
    protected: false,
    ownerVmId: layer.ownerVmId,
    boot: null,
    parentFingerprint: deps.files.fingerprint(parent.path),
    invalidReason: null,
    snapshot: null,
    pendingFirstUse: true,
    createdAt: deps.now(),
  };
  deps.images.insert(record);
  hashParent(deps, record).catch(() => undefined);
  return record;
}
