import { spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { HypervisorDriver, LaunchPlan, RunningVm, VmRecord } from '@strata/core';
import { readPidFile, runOk, waitFor } from '@strata/host';
import { umid, umlPaths, umlSandboxArgv } from './uml-argv.js';
import { isOurUml, killUml, UML_RUN_MARKER, umlLogTail, UmlProcess } from './uml-process.js';

export interface UmlDriverOptions {
  /** The unprivileged user every UML VM runs as. */
  uid: number;
  gid: number;
}

export function createUmlDriver(options: UmlDriverOptions): HypervisorDriver {
  const own = (path: string) => chownSync(path, options.uid, options.gid);

  return {
    async launch(plan: LaunchPlan): Promise<RunningVm> {
      const vm = plan.vm;
      const paths = umlPaths(plan.dir, vm.id, vm.umlMemoryDir);
      const pid = readPidFile(paths.pidFile);
      if (pid && isOurUml(pid, vm.id)) throw new Error(`UML for this VM is already running as pid ${pid}`);
      await killUml(vm.id);
      for (const d of [plan.dir, paths.disksDir, paths.memoryDir]) {
        mkdirSync(d, { recursive: true });
        own(d);
      }
      rmSync(`${plan.dir}/${umid(vm.id)}`, { recursive: true, force: true });
      for (const disk of plan.disks) if (existsSync(disk.path)) own(disk.path);
      if (!existsSync(paths.consoleIn)) await runOk(['mkfifo', '-m', '0600', paths.consoleIn]);
      own(paths.consoleIn);
      // The kernel writes into a plain file through hostfs; the unprivileged user needs rights on writable shares.
      const writable = [...plan.shares.filter((s) => s.transport === 'hostfs' && !s.readonly).map((s) => s.path), ...(plan.umlRoot ? [plan.umlRoot] : [])];
      for (const path of writable) await runOk(['setfacl', '-R', '-P', '-m', `u:${options.uid}:rwX,d:u:${options.uid}:rwX`, path]);
      const log = openSync(paths.consoleLog, 'a');
      own(paths.consoleLog);
      writeSync(log, `${UML_RUN_MARKER} ${new Date().toISOString()}\r\n`);
      // The console: a FIFO for input (read-write, so it never sees end-of-file while no one
      // types) and the log file for output, so output is kept while no server runs.
      const input = openSync(paths.consoleIn, 'r+');
      const cpus = vm.pinning.vcpus.find((p) => p.index === 0)?.cpus ?? null;
      const argv = umlSandboxArgv(plan, paths, { cpus, uid: options.uid, gid: options.gid });
      writeFileSync(`${plan.dir}/uml.argv.json`, JSON.stringify(argv));
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: [input, log, log] });
      closeSync(input);
      closeSync(log);
      let exited = false;
      child.on('exit', () => (exited = true));
      child.on('error', () => (exited = true));
      child.unref();
      if (!child.pid) throw new Error('could not start the UML sandbox');
      writeFileSync(paths.pidFile, String(child.pid));
      // Up when its management console listens and it has made every COW file it was given.
      const up = await waitFor(() => (exited || (existsSync(paths.mconsole) && plan.disks.every((d) => existsSync(d.path))) ? true : undefined), 20_000, 'UML to start')
        .then(() => true, () => false);
      if (exited || !up) {
        await killUml(vm.id);
        const tail = (await umlLogTail(paths.consoleLog, 6)).join('\n');
        throw new Error(`UML did not start: ${tail || 'no output'}`);
      }
      return new UmlProcess(child.pid, vm.id, paths, options);
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
      rmSync(`${dir}/${umid(vmId)}`, { recursive: true, force: true });
    },

    logTail(dir: string, lines: number): Promise<string[]> {
      return umlLogTail(`${dir}/console.log`, lines);
    },
  };
}
