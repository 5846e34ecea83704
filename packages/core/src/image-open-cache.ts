import type { Fingerprint } from './records.js';

/** Why a file does not open as `format` (null when it does); the probe runs qemu-img or reads a header. */
export type OpenProbe = (path: string, format: string) => string | null;

const identity = (f: Fingerprint) => `${f.dev}:${f.ino}:${f.size}:${f.mtimeNs}:${f.ctimeNs}`;

/**
 * The probe's answer, remembered per file identity (device, inode, size, mtime, ctime): listing
 * many images runs qemu-img only for files that changed since it last looked. The identity is
 * taken before the probe, so a change while it runs is probed again on the next call. A missing
 * file answers null: that it is missing is said elsewhere. At most `limit` files are remembered,
 * the least recently asked forgotten first.
 */
export function cachedOpenCheck(fingerprint: (path: string) => Fingerprint | null, probe: OpenProbe, limit = 4096): OpenProbe {
  const cache = new Map<string, { key: string; problem: string | null }>();
  return (path, format) => {
    const now = fingerprint(path);
    if (!now) return null;
    const id = `${format}\0${path}`;
    const key = identity(now);
    const hit = cache.get(id);
    cache.delete(id);
    const problem = hit && hit.key === key ? hit.problem : probe(path, format);
    cache.set(id, { key, problem });
    if (cache.size > limit) cache.delete(cache.keys().next().value!);
    return problem;
  };
}
