import type { Fingerprint, ImageRecord } from './records.js';

/** Why `now` is not the file `then` was, or null when it is the same file, unchanged. */
export function fingerprintChange(then: Fingerprint, now: Fingerprint | null): string | null {
  if (!now) return 'the file is gone';
  if (then.sha256 && now.sha256 && then.sha256 === now.sha256) return null; // restored byte for byte: still the same content
  if (then.dev !== now.dev || then.ino !== now.ino) return 'it was replaced by another file';
  if (then.size !== now.size) return `its size changed from ${then.size} to ${now.size} bytes`;
  if (then.mtimeNs !== now.mtimeNs) return 'it was modified (mtime changed)';
  if (then.ctimeNs !== now.ctimeNs) return 'it was changed (ctime changed, so an mtime that looks right was set back)';
  return null;
}

export interface ValidityInput {
  images: ImageRecord[];
  exists(path: string): boolean;
  fingerprint(path: string): Fingerprint | null;
  cowHeader?(path: string): { backingSize: number; backingMtime: number } | null;
  /** Why the file no longer opens as its recorded format (truncated, header overwritten), or null. */
  openProblem?(path: string, format: string): string | null;
}

/** UML's check before it opens a COW (ubd_kern.c): the backing's size, and its mtime in whole seconds. */
export function umlMismatch(header: { backingSize: number; backingMtime: number }, backing: Fingerprint): string | null {
  if (header.backingSize !== backing.size) return `the backing file is ${backing.size} bytes, its COW header says ${header.backingSize}`;
  const mtime = Number(BigInt(backing.mtimeNs) / 1_000_000_000n);
  if (header.backingMtime !== mtime) return `the backing file's mtime is ${mtime}, its COW header says ${header.backingMtime}`;
  return null;
}

/**
 * As UML's documentation says of COW files, a changed backing file invalidates every layer above it. Returns, for each invalid
 * image, the reason; an image is invalid if its file is gone or no longer opens as its format, if
 * its parent changed since it was made, if Strata marked it, or if any layer below it is invalid.
 */
export function invalidImages({ images, exists, fingerprint, cowHeader, openProblem }: ValidityInput): Map<string, string> {
  const byId = new Map(images.map((i) => [i.id, i]));
  const reasons = new Map<string, string>();
  const visiting = new Set<string>();
  const check = (image: ImageRecord): string | null => {
    if (reasons.has(image.id)) return reasons.get(image.id)!;
    if (visiting.has(image.id)) return 'its chain of parents loops';
    visiting.add(image.id);
    let reason: string | null = image.invalidReason;
    if (!reason && !image.pendingFirstUse && !exists(image.path)) reason = `its file ${image.path} is missing`;
    if (!reason && openProblem && exists(image.path)) reason = openProblem(image.path, image.format);
    const parent = image.parentId ? byId.get(image.parentId) : undefined;
    if (!reason && image.parentId && !parent) reason = `its parent ${image.parentId} is unknown`;
    if (!reason && parent) {
      const parentReason = check(parent);
      if (parentReason) reason = `its parent ${parent.name} is invalid`;
      else if (image.parentFingerprint && !(image.pendingFirstUse && !exists(image.path))) {
        const now = fingerprint(parent.path);
        const change = fingerprintChange(image.parentFingerprint, now);
        if (change) reason = `its parent ${parent.name} changed after this layer was made on it: ${change}`;
        // UML's own check first in the message when it applies: it names what UML would refuse.
        const header = image.format === 'uml-cow' && exists(image.path) ? cowHeader?.(image.path) : null;
        const uml = header && now ? umlMismatch(header, now) : null;
        if (uml) reason = `UML would refuse it: ${uml}${change ? ` (and ${change})` : ''}`;
      }
    }
    visiting.delete(image.id);
    if (reason) reasons.set(image.id, reason);
    return reason;
  };
  images.forEach(check);
  return reasons;
}
