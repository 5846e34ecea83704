import { closeSync, constants, fchmodSync, fchownSync, fstatSync, ftruncateSync, mkdirSync, realpathSync, writeSync } from 'node:fs';
import {
  BeneathError,
  createAt,
  fdPath,
  lstatAt,
  inertMountOf,
  mkdirAt,
  openAt,
  openDirBeneath,
  openRootDir,
  openShareDir,
  removeAt,
  runOk,
} from '@strata/host';
import { DISKS_DIR, RUN_DIR, umid } from './uml-argv.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_APPEND, O_NONBLOCK } = constants;

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * The VM directory, root's alone (0700): console log and input, pidfile, argv. The sandbox gets
 * only `disks/` (COW files, scratch disks) and `run/` (uml_dir, and guest memory unless a
 * TMPDIR is chosen) read-write, each bound from a descriptor held here. Before this layout the
 * whole directory was the UML user's and bound read-write, so every name in it is suspect and
 * is checked or replaced, never followed.
 */
export function openVmDir(dir: string): number {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = openRootDir(dir);
  fchownSync(fd, 0, 0);
  fchmodSync(fd, 0o700);
  return fd;
}

/** A directory the sandbox writes, owned by the UML user; refused if someone made it a symlink or file. */
export function openOwnedDir(parentFd: number, name: string, owner: Owner): number {
  let fd: number;
  try {
    fd = openDirBeneath(parentFd, name);
  } catch (err) {
    if (!(err instanceof BeneathError) || err.reason !== 'missing')
      throw new Error(`${fdPath(parentFd)}/${name} is not a plain directory (${(err as Error).message}); refusing to use it`);
    fd = mkdirAt(parentFd, name);
  }
  fchownSync(fd, owner.uid, owner.gid);
  fchmodSync(fd, 0o700);
  return fd;
}

/** A fresh directory: whatever was under the name (a stale uml_dir, a planted symlink) is removed, not followed. */
export function freshOwnedDir(parentFd: number, name: string, owner: Owner): number {
  removeAt(parentFd, name);
  const fd = mkdirAt(parentFd, name);
  fchownSync(fd, owner.uid, owner.gid);
  return fd;
}

/**
 * `strata-uml-<id>` in a chosen TMPDIR (often a world-writable tmpfs): reused only when it is a
 * directory the UML user owns (ours from an earlier run; no local user can make one), refused when
 * anything else holds the name, as that is someone else's.
 */
export function memoryDirIn(tmpDir: string, vmId: string, owner: Owner): number {
  const parent = openRootDir(tmpDir);
  try {
    // The guest writes its memory directory (hostfs reaches it): on a mount where set-id bits and
    // device nodes count, what it leaves there would give a local user the UML user or more.
    inertMountOf(
      parent,
      `the memory directory ${tmpDir}`,
      `mount one for it, e.g. \`mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs ${tmpDir}\``,
    );
    const name = `strata-uml-${vmId}`;
    const st = lstatAt(parent, name);
    if (st && !(st.isDirectory() && st.uid === owner.uid)) {
      throw new Error(`${tmpDir}/${name} exists and was not made by Strata (owner ${st.uid}); remove it to start this VM`);
    }
    if (st) removeAt(parent, name);
    const fd = mkdirAt(parent, name);
    fchownSync(fd, owner.uid, owner.gid);
    return fd;
  } finally {
    closeSync(parent);
  }
}

/** A COW or scratch file UML writes: a regular file with one link, handed to the UML user by descriptor. */
export function ownDiskFile(dirFd: number, name: string, owner: Owner): void {
  let fd: number;
  try {
    fd = openAt(dirFd, name, O_RDONLY | O_NONBLOCK);
  } catch (err) {
    if (err instanceof BeneathError && err.reason === 'missing') return;
    throw new Error(`disk ${name} is not a plain file (${(err as Error).message}); refusing to start`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1) throw new Error(`disk ${name} is not a regular file with one link; refusing to start`);
    fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}

/** A new sparse file of `bytes` for the UML user: created O_EXCL, never through a name someone planted. */
export function createDiskFile(dirFd: number, name: string, bytes: number, owner: Owner): void {
  removeAt(dirFd, name);
  const fd = createAt(dirFd, name, O_WRONLY);
  try {
    ftruncateSync(fd, bytes);
    fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}

/** The console log, root's: kept when it is a plain file with one link, replaced otherwise. */
export function openConsoleLog(dirFd: number): number {
  try {
    const fd = openAt(dirFd, 'console.log', O_WRONLY | O_APPEND | O_NONBLOCK);
    const st = fstatSync(fd);
    if (st.isFile() && st.nlink === 1) {
      fchownSync(fd, 0, 0);
      fchmodSync(fd, 0o600);
      return fd;
    }
    closeSync(fd);
  } catch (err) {
    // ENXIO: a FIFO or socket planted under the name; EISDIR: a directory. Both are replaced.
    if (!(err instanceof BeneathError) && !['ENXIO', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  removeAt(dirFd, 'console.log');
  return createAt(dirFd, 'console.log', O_WRONLY | O_APPEND);
}

/**
 * The console's input FIFO, made anew each start (the old one may be the UML user's), opened
 * read-write so the kernel never sees end-of-file while no one types.
 */
export async function openConsoleInput(dir: string, dirFd: number): Promise<number> {
  removeAt(dirFd, 'console.in');
  // No mkfifoat in Node; the directory is root's 0700 by now, so the name cannot be raced.
  await runOk(['mkfifo', '-m', '0600', `${dir}/console.in`]);
  const fd = openAt(dirFd, 'console.in', O_RDWR | O_NONBLOCK);
  const st = fstatSync(fd);
  if (!st.isFIFO() || st.uid !== 0) {
    closeSync(fd);
    throw new Error('console.in is not the FIFO Strata made');
  }
  return fd;
}

/** A server file (pidfile, argv dump) written whole, never through a planted name. */
export function writeServerFile(dirFd: number, name: string, text: string): void {
  removeAt(dirFd, name);
  const fd = createAt(dirFd, name, O_WRONLY);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Removes the sandbox's run directory, and the uml_dir and memory directory of the old layout. */
export function clearRunState(dirFd: number, vmId: string): void {
  for (const name of [RUN_DIR, umid(vmId), 'mem']) removeAt(dirFd, name);
}

/** The VM's disks directory, whose names the guest can change. */
export const openDisksDir = (dirFd: number, owner: Owner) => openOwnedDir(dirFd, DISKS_DIR, owner);

/**
 * A hostfs share or root, opened from its allowed root one component at a time with no symlink
 * (openShareDir), so the directory bwrap binds is the one checked, whatever the path names by the
 * time bwrap runs.
 */
export function openShare(path: string, roots: string[], root?: string): number {
  const under = root ?? roots.map((r) => realpathSync(r)).find((r) => path.startsWith(`${r}/`));
  if (!under) throw new Error(`${path} is not under an allowed share root`);
  return openShareDir(under, path);
}
