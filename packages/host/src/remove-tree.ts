import { closeSync, constants, fstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { fdProcPath, lstatAt, openAt, openRootDir } from './beneath.js';

const { O_RDONLY, O_DIRECTORY } = constants;

/**
 * Empties the directory held by `dirFd` and removes each entry by its name in that directory:
 * a symlink is unlinked, never followed, so a link planted in it (by a guest through a sandbox
 * bind, or left by anything else) cannot turn the delete onto a file elsewhere. Subdirectories
 * are opened beneath it (O_NOFOLLOW) and emptied the same way. Returns what could not be removed.
 */
function emptyHeld(dirFd: number, where: string): string[] {
  const left: string[] = [];
  for (const name of readdirSync(fdProcPath(dirFd))) {
    const st = lstatAt(dirFd, name);
    if (!st) continue;
    try {
      if (st.isDirectory()) {
        const child = openAt(dirFd, name, O_RDONLY | O_DIRECTORY);
        try {
          left.push(...emptyHeld(child, `${where}/${name}`));
        } finally {
          closeSync(child);
        }
        rmdirSync(`${fdProcPath(dirFd)}/${name}`);
      } else unlinkSync(`${fdProcPath(dirFd)}/${name}`);
    } catch (err) {
      left.push(`${where}/${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return left;
}

/**
 * Removes `parent/name` and everything beneath it without following a symlink anywhere: `parent`
 * is a trusted path (the server's own), `name` is opened inside it with O_NOFOLLOW. A symlink or
 * file under `name` is unlinked itself. Returns what could not be removed (a busy mount point),
 * empty when all is gone. With `expect`, only the directory of that (dev, inode) is emptied: one
 * moved away and replaced under the same name is left alone and named in the answer.
 */
export function removeTreeBeneath(parent: string, name: string, expect?: { dev: number; ino: number }): string[] {
  const parentFd = openRootDir(parent);
  try {
    const st = lstatAt(parentFd, name);
    if (!st) return [];
    if (!st.isDirectory()) {
      unlinkSync(`${fdProcPath(parentFd)}/${name}`);
      return expect
        ? [`${parent}/${name}: it was moved or replaced (by a ${st.isSymbolicLink() ? 'symbolic link' : 'file'}, now removed)`]
        : [];
    }
    const dirFd = openAt(parentFd, name, O_RDONLY | O_DIRECTORY);
    let left: string[];
    try {
      // The identity is checked on the directory held open, so a swap after the check changes nothing.
      const held = fstatSync(dirFd);
      if (expect && (held.dev !== expect.dev || held.ino !== expect.ino))
        return [`${parent}/${name}: it was moved or replaced, so nothing in it was removed`];
      left = emptyHeld(dirFd, `${parent}/${name}`);
    } finally {
      closeSync(dirFd);
    }
    if (left.length === 0) rmdirSync(`${fdProcPath(parentFd)}/${name}`);
    return left;
  } finally {
    closeSync(parentFd);
  }
}
