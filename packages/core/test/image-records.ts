import type { Fingerprint, ImageRecord } from '../src/records.js';

/** A file identity; `over` changes the parts a test is about. */
export const fp = (over: Partial<Fingerprint> = {}): Fingerprint => ({
  dev: 1,
  ino: 2,
  size: 100,
  mtimeNs: '5',
  ctimeNs: '6',
  sha256: null,
  ...over,
});

/** A valid qcow2 layer record at /i/`id`; a layer with a parent recorded the parent's fingerprint `fp()`. */
export const imageRecord = (id: string, parentId: string | null, over: Partial<ImageRecord> = {}): ImageRecord => ({
  id,
  name: id,
  path: `/i/${id}`,
  format: 'qcow2',
  parentId,
  virtualSize: 1,
  protected: false,
  ownerVmId: null,
  boot: null,
  parentFingerprint: parentId ? fp() : null,
  invalidReason: null,
  snapshot: null,
  createdAt: '',
  ...over,
});
