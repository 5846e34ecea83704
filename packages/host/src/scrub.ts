import { closeSync, constants, fchmodSync, fstatSync, readdirSync } from 'node:fs';
import { lstatAt, openAt, fdProcPath } from './beneath.js';
import { mountIdOf, openShareDir } from './share-dir.js';

const { O_RDONLY, O_DIRECTORY, O_NONBLOCK } = constants;
const SET_ID = 0o6000;
/** Each level holds a descriptor; past this a tree is reported as not fully checked, never passed over quietly. */
const MAX_DEPTH = 900;

/**
 * Clears set-user-ID and set-group-ID bits from every file beneath a share directory, so nothing
 * a guest left there runs with privileges on the host even where the share's mount is not
 * nosuid (a shell that entered the directory before the bind, a host that rebooted). Walks held
 * descriptors only: no symlink is followed, no other mount entered, and a name swapped between
 * the look and the change is checked again on the descriptor. Returns the paths it changed,
 * relative to the share.
 */
export function scrubSetId(root: string, path: string): string[] {
  const top = openShareDir(root, path);
  const changed: string[] = [];
  try {
    walk(top, mountIdOf(top), '', 0, changed);
  } finally {
    closeSync(top);
  }
  return changed;
}

function walk(dir: number, mount: number, prefix: string, depth: number, changed: string[]): void {
  if (depth > MAX_DEPTH)
    throw new Error(
      `directories nest deeper than ${MAX_DEPTH} levels (at ${prefix.slice(0, 200)}…); files below were not checked for set-id bits`,
    );
  for (const entry of readdirSync(fdProcPath(dir), { withFileTypes: true })) {
    const name = entry.name;
    // The listing's own type is enough to pass over links and special files; only files are stat'ed.
    if (entry.isDirectory()) {
      const child = tryOpen(dir, name, O_RDONLY | O_DIRECTORY);
      if (child === null) continue;
      try {
        if (mountIdOf(child) === mount) walk(child, mount, `${prefix}${name}/`, depth + 1, changed);
      } finally {
        closeSync(child);
      }
    } else if (entry.isFile() && ((lstatAt(dir, name)?.mode ?? 0) & SET_ID) !== 0) {
      const fd = tryOpen(dir, name, O_RDONLY | O_NONBLOCK);
      if (fd === null) continue;
      try {
        const held = fstatSync(fd);
        if (held.isFile() && (held.mode & SET_ID) !== 0) {
          fchmodSync(fd, held.mode & 0o1777);
          changed.push(`${prefix}${name}`);
        }
      } finally {
        closeSync(fd);
      }
    }
  }
}

/** A name that vanished or became a symlink since it was listed is simply passed over. */
function tryOpen(dir: number, name: string, flags: number): number | null {
  try {
    return openAt(dir, name, flags);
  } catch {
    return null;
  }
}
