import { spawn } from 'node:child_process';
import { closeSync, existsSync, lstatSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { HypervisorDriver, LaunchPlan, RunningVm, VmRecord } from '@strata/core';
import { openRootDir, readPidFile, waitFor } from '@strata/host';
import { umlPaths, umlSandboxArgv, type UmlPaths } from './uml-argv.js';
import { prepareSandbox, type PreparedSandbox } from './sandbox-prep.js';
import { clearRunState, writeServerFile } from './vm-dir.js';
import { isOurUml, killUml, UML_RUN_MARKER, umlLogTail, UmlProcess } from './uml-process.js';

export interface UmlDriverOptions {
  /** The unprivileged user every UML VM runs as. */
  uid: number;
  gid: number;
  /** Allowed share roots: each hostfs share is opened beneath its root, never by its whole path. */
  shareRoots?: string[];
}

const isSocket = (path: string) => {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
};
const exists = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

export function createUmlDriver(options: UmlDriverOptions): HypervisorDriver {
  const owner = { uid: options.uid, gid: options.gid };
  const roots = options.shareRoots ?? [];

  /** Spawns bubblewrap with the prepared descriptors; returns its pid and whether it has exited since. */
  const spawnSandbox = (plan: LaunchPlan, paths: UmlPaths, p: PreparedSandbox) => {
    writeSync(p.log, `${UML_RUN_MARKER} ${new Date().toISOString()}\r\n`);
    const cpus = plan.vm.pinning.vcpus.find((v) => v.index === 0)?.cpus ?? null;
    const argv = umlSandboxArgv(plan, paths, { cpus, uid: options.uid, gid: options.gid }, p.fds);
    writeServerFile(p.dirFd, 'uml.argv.json', JSON.stringify(argv));
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: [p.input, p.log, p.log, ...p.extra] });
    const state = { exited: false };
    child.on('exit', () => (state.exited = true));
    child.on('error', () => (state.exited = true));
    child.unref();
    if (!child.pid) throw new Error('could not start the UML sandbox');
    writeServerFile(p.dirFd, 'uml.pid', String(child.pid));
    return { pid: child.pid, state };
  };

  return {
    async launch(plan: LaunchPlan): Promise<RunningVm> {
      const vm = plan.vm;
      const paths = umlPaths(plan.dir, vm.id, vm.umlMemoryDir);
      const pid = readPidFile(paths.pidFile);
      if (pid && isOurUml(pid, vm.id)) throw new Error(`UML for this VM is already running as pid ${pid}`);
      await killUml(vm.id);
      const prepared = await prepareSandbox(plan, paths, owner, roots);
      let child;
      try {
        child = spawnSandbox(plan, paths, prepared);
      } finally {
        for (const fd of prepared.held) closeSync(fd);
      }
      // Up when its management console listens and it has made every COW file it was given.
      const up = await waitFor(() => (child.state.exited || (isSocket(paths.mconsole) && plan.disks.every((d) => exists(d.path))) ? true : undefined), 20_000, 'UML to start')
        .then(() => true, () => false);
      if (child.state.exited || !up) {
        await killUml(vm.id);
        const tail = (await umlLogTail(paths.consoleLog, 6)).join('\n');
        throw new Error(`UML did not start: ${tail || 'no output'}`);
      }
      return new UmlProcess(child.pid, vm.id, paths, owner);
    },

    async reattach(vm: VmRecord, dir: string): Promise<RunningVm | null> {
      const paths = umlPaths(dir, vm.id, vm.umlMemoryDir);
      const pid = readPidFile(paths.pidFile) ?? vm.pid;
      return pid && isOurUml(pid, vm.id) ? new UmlProcess(pid, vm.id, paths, options) : null;
    },

    /** A UML whose sandbox is gone may leave kernel processes behind; none may outlive it. */
    async cleanup(dir: string): Promise<void> {
      const vmId = basename(dir);
      await killUml(vmId);
      if (!existsSync(dir)) return;
      const dirFd = openRootDir(dir);
      try {
        clearRunState(dirFd, vmId);
      } finally {
        closeSync(dirFd);
      }
    },

    logTail(dir: string, lines: number): Promise<string[]> {
      return umlLogTail(`${dir}/console.log`, lines);
    },
  };
}
