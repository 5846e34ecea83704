import { closeSync, readFileSync } from 'node:fs';
import { BeneathError, fdPath, openDirBeneath, openRootDir } from './beneath.js';
import { mountById, readMountinfo, type MountEntry } from './mountinfo.js';

/** The mount a descriptor lives on (fdinfo's mnt_id), so a held directory's mount is checked, not a path's. */
export function mountIdOf(fd: number): number {
  const match = /^mnt_id:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  if (!match) throw new Error(`no mnt_id for descriptor ${fd}`);
  return Number(match[1]);
}

/**
 * The mount holding `fd`, refused unless it is nosuid,nodev: where something a guest writes lands,
 * set-id bits and device nodes must mean nothing on the host. `why` finishes the refusal.
 */
export function inertMountOf(fd: number, what: string, why: string): MountEntry {
  const mount = mountById(readMountinfo(), mountIdOf(fd));
  if (!mount?.options.includes('nosuid') || !mount.options.includes('nodev'))
    throw new Error(`${what} is on a mount without nosuid,nodev; ${why}`);
  return mount;
}

/**
 * Opens a share directory the one way a hypervisor may receive it: from the allowed root's
 * descriptor, one component at a time with no symlink anywhere, on the root's own mount (a
 * submount could bring back setuid and device nodes), and that mount nosuid,nodev. `path` is the
 * realpath the API check produced; whatever it names by now, the walk either reaches a directory
 * beneath the root or fails. The caller owns the returned descriptor.
 */
export function openShareDir(root: string, path: string): number {
  if (!path.startsWith(`${root}/`)) throw new BeneathError(`${path} is not beneath ${root}`, 'bad_name');
  const rootFd = openRootDir(root);
  try {
    const mount = inertMountOf(rootFd, `share root ${root}`, 'files a guest writes there could give privileges on the host');
    const fd = openDirBeneath(rootFd, path.slice(root.length + 1));
    try {
      if (mountIdOf(fd) !== mount.id) throw new Error(`${path} lies on another mount than its share root ${root}`);
      // A directory moved out of the root while we walked would show here.
      const now = fdPath(fd);
      if (!now.startsWith(`${root}/`)) throw new BeneathError(`${path} moved out of ${root} (now ${now})`, 'bad_name');
      return fd;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  } finally {
    closeSync(rootFd);
  }
}
