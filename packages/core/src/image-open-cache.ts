import type { Fingerprint } from './records.js';

/** Why a file does not open as `format` (null when it does); the probe runs qemu-img or reads a header. */
export type OpenProbe = (path: string, format: string) => string | null;

const identity = (f: Fingerprint) => `${f.dev}:${f.ino}:${f.size}:${f.mtimeNs}:${f.ctimeNs}`;

interface Entry {
  key: string;
  problem: string | null;
  dev: number;
  ino: number;
  size: number;
  head: string | null;
}

export interface OpenCacheOptions {
  /**
   * The file's first bytes (as text, e.g. hex), read cheaply: a file that opened before, is the
   * same inode, did not shrink and still starts with the same header is not probed again when only
   * its mtime moved (a running VM writes its top all the time). Truncation or a header
   * overwritten in place still shows.
   */
  head?(path: string): string | null;
  /** At most this many files are remembered, the least recently asked forgotten first. */
  limit?: number;
}

/**
 * The probe's answer, remembered per file identity (device, inode, size, mtime, ctime): listing
 * many images runs qemu-img only for files that changed since it last looked. The identity (and
 * head) is taken before the probe, so a change while it runs is looked at again on the next call.
 * A missing file answers null: that it is missing is said elsewhere.
 */
export function cachedOpenCheck(
  fingerprint: (path: string) => Fingerprint | null,
  probe: OpenProbe,
  options: OpenCacheOptions = {},
): OpenProbe {
  const limit = options.limit ?? 4096;
  const cache = new Map<string, Entry>();
  const remember = (id: string, entry: Entry) => {
    cache.delete(id);
    cache.set(id, entry);
    if (cache.size > limit) cache.delete(cache.keys().next().value!);
  };
  return (path, format) => {
    const now = fingerprint(path);
    if (!now) return null;
    const id = `${format}\0${path}`;
    const key = identity(now);
    const hit = cache.get(id);
    if (hit && hit.key === key) {
      remember(id, hit);
      return hit.problem;
    }
    const head = options.head?.(path) ?? null;
    const unchangedHeader =
      hit &&
      hit.problem === null &&
      head !== null &&
      hit.head === head &&
      hit.dev === now.dev &&
      hit.ino === now.ino &&
      now.size >= hit.size;
    const problem = unchangedHeader ? null : probe(path, format);
    remember(id, { key, problem, dev: now.dev, ino: now.ino, size: now.size, head });
    return problem;
  };
}
