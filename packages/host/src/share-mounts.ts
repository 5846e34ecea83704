import { realpathSync } from 'node:fs';
import { readMountinfo, topMountAt } from './mountinfo.js';
import { run, runOk } from './run.js';
import { waitFor } from './wait.js';

const inert = (options: string[]) => options.includes('nosuid') && options.includes('nodev');

/**
 * Makes each share root inert on the host: bound onto itself and remounted nosuid,nodev, so a
 * setuid file or a device node a guest leaves there means nothing to anyone on the host who
 * reaches it by its path. A root that already is (an operator's own mount, or ours from an earlier
 * run) is left alone. Returns the roots it mounted, for `releaseShareRoots`.
 */
export async function protectShareRoots(roots: string[]): Promise<string[]> {
  const mounted: string[] = [];
  for (const configured of roots) {
    const root = realpathSync(configured);
    const top = topMountAt(readMountinfo(), root);
    if (top && inert(top.options)) continue;
    await runOk(['mount', '--bind', root, root]);
    mounted.push(root);
    await runOk(['mount', '-o', 'remount,bind,nosuid,nodev', root]);
    const now = topMountAt(readMountinfo(), root);
    if (!now || !inert(now.options)) throw new Error(`could not make share root ${root} nosuid,nodev`);
  }
  return mounted;
}

/**
 * Takes back one bind per root given (those `protectShareRoots` returned), so the directories can
 * be removed; `everyBind` takes back every nosuid mount stacked there (test data directories,
 * whose binds may come from an earlier server on the same directory). Only while nothing runs from
 * them: a guest still writing through a share would otherwise write onto a plain (suid) mount.
 */
export async function releaseShareRoots(roots: string[], options: { everyBind?: boolean } = {}): Promise<void> {
  for (const configured of roots) {
    let root: string;
    try {
      root = realpathSync(configured);
    } catch {
      continue;
    }
    do {
      if (!topMountAt(readMountinfo(), root)?.options.includes('nosuid')) break;
      // Processes just killed may hold the mount for a moment longer (EBUSY).
      await waitFor(async () => ((await run(['umount', root])).code === 0 ? true : undefined), 5000, `${root} to unmount`, 100);
    } while (options.everyBind);
  }
}
