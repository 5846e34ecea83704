import { closeSync, constants, fchownSync, fstatSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LaunchPlan } from '@strata/core';
import { runOk } from '@strata/host';
import { RUN_DIR, type SandboxFds, type UmlPaths } from './uml-argv.js';
import {
  clearRunState,
  freshOwnedDir,
  memoryDirIn,
  openConsoleInput,
  openConsoleLog,
  openDisksDir,
  openShare,
  openVmDir,
  ownDiskFile,
  type Owner,
} from './vm-dir.js';

/** Everything a UML start holds open: the caller closes `held` once bubblewrap has inherited `extra`. */
export interface PreparedSandbox {
  held: number[];
  dirFd: number;
  log: number;
  input: number;
  /** Inherited by bubblewrap as fd 3, 4, ... (after the console's stdin, stdout and stderr). */
  extra: number[];
  fds: SandboxFds;
}

/** A disk top elsewhere than disks/ (a raw image) is handed over too, by descriptor, never followed. */
function ownDisk(disksFd: number, disksDir: string, path: string, owner: Owner): void {
  if (dirname(path) === disksDir) return ownDiskFile(disksFd, basename(path), owner);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${path} is not a regular file`);
    fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}

/** The UML user needs rights in writable shares; setfacl runs inside the held directory, on '.'. */
const grant = (fd: number, uid: number) =>
  runOk(['setfacl', '-R', '-P', '-m', `u:${uid}:rwX,d:u:${uid}:rwX`, '.'], { cwd: `/proc/${process.pid}/fd/${fd}` });

/**
 * Lays out the VM directory (migrating the old layout, see vm-dir.ts) and opens, by descriptor,
 * every directory the sandbox binds. On failure everything opened so far is closed.
 */
export async function prepareSandbox(plan: LaunchPlan, paths: UmlPaths, owner: Owner, roots: string[]): Promise<PreparedSandbox> {
  const vm = plan.vm;
  const held: number[] = [];
  const hold = (fd: number) => (held.push(fd), fd);
  try {
    const dirFd = hold(openVmDir(plan.dir));
    clearRunState(dirFd, vm.id);
    const disks = hold(openDisksDir(dirFd, owner));
    const run = hold(freshOwnedDir(dirFd, RUN_DIR, owner));
    const memory = vm.umlMemoryDir ? hold(memoryDirIn(vm.umlMemoryDir, vm.id, owner)) : null;
    if (memory === null) closeSync(freshOwnedDir(run, 'mem', owner));
    for (const disk of plan.disks) ownDisk(disks, paths.disksDir, disk.path, owner);
    const hostfs = plan.shares.filter((s) => s.transport === 'hostfs');
    const shares = new Map(hostfs.map((s) => [s.tag, hold(openShare(s.path, roots, s.root))]));
    const root = plan.umlRoot ? hold(openShare(plan.umlRoot, roots)) : null;
    for (const s of hostfs) if (!s.readonly) await grant(shares.get(s.tag)!, owner.uid);
    if (root !== null) await grant(root, owner.uid);
    const log = hold(openConsoleLog(dirFd));
    const input = hold(await openConsoleInput(plan.dir, dirFd));
    const extra = [disks, run, ...(memory === null ? [] : [memory]), ...shares.values(), ...(root === null ? [] : [root])];
    const num = (fd: number) => 3 + extra.indexOf(fd);
    const fds: SandboxFds = {
      disks: num(disks),
      run: num(run),
      memory: memory === null ? null : num(memory),
      shares: new Map([...shares].map(([tag, fd]) => [tag, num(fd)])),
      root: root === null ? null : num(root),
      // A pipe the driver adds after `extra`, then the agent's socket pair when the plan asks for it.
      info: 3 + extra.length,
      agent: plan.agent ? 4 + extra.length : null,
    };
    return { held, dirFd, log, input, extra, fds };
  } catch (err) {
    for (const fd of held) closeSync(fd);
    throw err;
  }
}
