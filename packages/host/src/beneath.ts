import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, rmSync, unlinkSync, type Stats } from 'node:fs';

/**
 * Opening a name inside a directory held by descriptor: `/proc/self/fd/<dirfd>/<name>` resolves
 * `<name>` in exactly that directory (whatever its path names now), and O_NOFOLLOW refuses a
 * symlink as the last (and only) component. Walking a path one component at a time this way is
 * the equivalent of openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), which Node does not have.
 */
const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_CREAT, O_EXCL, O_CLOEXEC } = constants as typeof constants & {
  O_CLOEXEC?: number;
};
const CLOEXEC = O_CLOEXEC ?? 0o2000000;

export class BeneathError extends Error {
  constructor(
    message: string,
    readonly reason: 'symlink' | 'missing' | 'not_directory' | 'bad_name' | 'not_file',
  ) {
    super(message);
  }
}

/** The path of a held descriptor as the kernel sees it now (for messages and display only). */
export const fdPath = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`);

export const fdProcPath = (fd: number): string => `/proc/self/fd/${fd}`;

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new BeneathError(`'${name}' is not a plain file name`, 'bad_name');
  }
}

/** Opens `name` in the directory held by `dirFd`; a symlink there is refused, never followed. */
export function openAt(dirFd: number, name: string, flags: number, mode = 0o600): number {
  checkName(name);
  try {
    return openSync(`${fdProcPath(dirFd)}/${name}`, flags | O_NOFOLLOW | CLOEXEC, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new BeneathError(`'${name}' is a symbolic link`, 'symlink');
    if (code === 'ENOTDIR') throw new BeneathError(`'${name}' is not a directory (or is a symbolic link)`, 'not_directory');
    if (code === 'ENOENT') throw new BeneathError(`'${name}' does not exist`, 'missing');
    throw err;
  }
}

/** Opens a directory by a trusted absolute path (a configured root). */
export function openRootDir(path: string): number {
  return openSync(path, O_RDONLY | O_DIRECTORY | CLOEXEC);
}

/**
 * Opens `relative` (components separated by '/') beneath the directory held by `rootFd`, refusing
 * '..', '.', symlinks at every component, and anything that is not a directory. The caller owns
 * the returned descriptor.
 */
export function openDirBeneath(rootFd: number, relative: string): number {
  const parts = relative.split('/').filter((p) => p !== '');
  let current = rootFd;
  try {
    for (const part of parts) {
      const next = openAt(current, part, O_RDONLY | O_DIRECTORY);
      if (current !== rootFd) closeSync(current);
      current = next;
    }
  } catch (err) {
    if (current !== rootFd) closeSync(current);
    throw err;
  }
  // An empty relative path means the root itself: hand back a descriptor of its own.
  return current === rootFd ? openSync(fdProcPath(rootFd), O_RDONLY | O_DIRECTORY | CLOEXEC) : current;
}

/**
 * Opens a regular file `relative` beneath `rootFd` with no symlink at any component. Returns the
 * descriptor and its fstat, so the caller checks the object it holds, never the name.
 */
export function openFileBeneath(rootFd: number, relative: string): { fd: number; stat: Stats } {
  const parts = relative.split('/').filter((p) => p !== '');
  const name = parts.pop();
  if (name === undefined) throw new BeneathError('no file name given', 'bad_name');
  const dir = openDirBeneath(rootFd, parts.join('/'));
  try {
    // O_NONBLOCK: a FIFO planted under the name must not hang the open; it is refused below.
    const fd = openAt(dir, name, O_RDONLY | O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      closeSync(fd);
      throw new BeneathError(`'${relative}' is not a regular file`, 'not_file');
    }
    return { fd, stat };
  } finally {
    closeSync(dir);
  }
}

/** What `name` is inside the held directory, without following it; null when nothing is there. */
export function lstatAt(dirFd: number, name: string): Stats | null {
  checkName(name);
  try {
    return lstatSync(`${fdProcPath(dirFd)}/${name}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Removes `name` from the held directory, whatever it is: unlink and rmdir act on the entry
 * itself, so a symlink is removed, never followed. Only for directories no one else writes now.
 */
export function removeAt(dirFd: number, name: string): void {
  const st = lstatAt(dirFd, name);
  if (!st) return;
  if (st.isDirectory()) rmSync(`${fdProcPath(dirFd)}/${name}`, { recursive: true, force: true });
  else unlinkSync(`${fdProcPath(dirFd)}/${name}`);
}

/** Makes a new directory `name` (refusing one that exists, symlink or not) and returns it held open. */
export function mkdirAt(dirFd: number, name: string, mode = 0o700): number {
  checkName(name);
  mkdirSync(`${fdProcPath(dirFd)}/${name}`, { mode });
  return openAt(dirFd, name, O_RDONLY | O_DIRECTORY);
}

/** Creates a new file `name` (O_EXCL: nothing there before, not even a symlink) and returns it open. */
export function createAt(dirFd: number, name: string, flags: number, mode = 0o600): number {
  return openAt(dirFd, name, flags | O_CREAT | O_EXCL, mode);
}
