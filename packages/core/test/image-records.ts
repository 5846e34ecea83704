import type { Fingerprint, ImageRecord } from '../src/records.js';
import { image } from './merge-fakes.js';

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

/** An unprotected one-byte qcow2 layer at /i/`id`; a layer with a parent recorded the parent's fingerprint `fp()`. */
export const imageRecord = (id: string, parentId: string | null, over: Partial<ImageRecord> = {}): ImageRecord =>
  image(id, parentId, { path: `/i/${id}`, virtualSize: 1, protected: false, parentFingerprint: parentId ? fp() : null, ...over });
