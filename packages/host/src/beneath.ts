import { closeSync, constants, fstatSync, openSync, readlinkSync, type Stats } from 'node:fs';

/**
 * Opening a name inside a directory held by descriptor: `/proc/self/fd/<dirfd>/<name>` resolves
 * `<name>` in exactly that directory (whatever its path names now), and O_NOFOLLOW refuses a
 * symlink as the last (and only) component. Walking a path one component at a time this way is
 * the equivalent of openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), which Node does not have.
 */
const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_CLOEXEC } = constants as typeof constants & { O_CLOEXEC?: number };
const CLOEXEC = O_CLOEXEC ?? 0o2000000;

export class BeneathError extends Error {
  constructor(message: string, readonly reason: 'symlink' | 'missing' | 'not_directory' | 'bad_name' | 'not_file') {
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

function openAt(dirFd: number, name: string, flags: number): number {
  checkName(name);
  try {
    return openSync(`${fdProcPath(dirFd)}/${name}`, flags | O_NOFOLLOW | CLOEXEC);
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
