import { invalid } from './errors.js';

export interface PathFs {
  realpath(path: string): string;
  isDirectory(path: string): boolean;
}

const FORBIDDEN = ['/proc', '/sys', '/dev', '/run'];
const MAX_PATH = 4096;
const MAX_COMPONENT = 255;

/**
 * Resolves a share path and proves it is a directory under one of the allowed roots, before any
 * process sees it: no NUL, no '..', no over-long path, no special file system, and after realpath
 * (symlinks followed) still under a root — by a prefix check with a trailing slash, so that
 * /srv/share-evil is not taken for a child of /srv/share.
 */
export function resolveSharePath(requested: string, roots: string[], fs: PathFs, field = 'body.path'): string {
  return resolveShareBeneath(requested, roots, fs, field).path;
}

/**
 * The same check, also naming the allowed root the path lies beneath: a driver opens the share
 * from that root's descriptor again, component by component, and hands the hypervisor the
 * directory it holds (this realpath answer can be stale by the time anything uses it).
 */
export function resolveShareBeneath(requested: string, roots: string[], fs: PathFs, field = 'body.path'): { path: string; root: string } {
  if (requested.includes('\0')) throw invalid(field, 'the path contains a NUL byte');
  if (Buffer.byteLength(requested) > MAX_PATH) throw invalid(field, `the path is longer than ${MAX_PATH} bytes`);
  if (requested.split('/').some((c) => Buffer.byteLength(c) > MAX_COMPONENT))
    throw invalid(field, `a path component is longer than ${MAX_COMPONENT} bytes`);
  if (!requested.startsWith('/')) throw invalid(field, 'give an absolute path');
  if (requested.split('/').includes('..')) throw invalid(field, "'..' is not allowed in a share path");
  let resolved: string;
  try {
    resolved = fs.realpath(requested);
  } catch {
    throw invalid(field, `${requested} does not exist`);
  }
  if (FORBIDDEN.some((f) => resolved === f || resolved.startsWith(`${f}/`)))
    throw invalid(field, `${resolved} is a special file system and cannot be shared`);
  const realRoots = roots.flatMap((r) => {
    try {
      return [fs.realpath(r)];
    } catch {
      return [];
    }
  });
  const root = realRoots.find((r) => resolved.startsWith(`${r}/`));
  if (!root) {
    const leaves = resolved !== requested ? ` (it resolves to ${resolved})` : '';
    throw invalid(field, `${requested} is not under an allowed share root${leaves}; allowed: ${realRoots.join(', ') || 'none'}`);
  }
  if (!fs.isDirectory(resolved)) throw invalid(field, `${resolved} is not a directory`);
  return { path: resolved, root };
}
