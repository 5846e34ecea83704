import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import type { HypervisorDriver, LaunchPlan, RunningVm, VmRecord } from '@strata/core';
import { readPidFile, waitFor } from '@strata/host';
import { buildQemuArgv, ninepShares, processName, QEMU_BINARY, vmPaths } from './argv.js';
import { RUN_MARKER, runLogTail } from './log-tail.js';
import { QmpClient } from './qmp-client.js';
import { isOurQemu, QemuProcess } from './qemu-process.js';
import { startVirtiofsd, stopVirtiofsds } from './virtiofsd.js';
import { openLaunchShares } from './share-dirs.js';

/** Unix socket paths are limited to 107 bytes; refuse early with a clear reason. */
const MAX_SOCKET_PATH = 107;

export function createQemuDriver(binary = QEMU_BINARY): HypervisorDriver {
  return {
    async launch(plan: LaunchPlan): Promise<RunningVm> {
      const paths = vmPaths(plan.dir);
      if (Buffer.byteLength(paths.consoleSocket) > MAX_SOCKET_PATH) {
        throw new Error(`the data directory path is too long for unix sockets (${paths.consoleSocket})`);
      }
      mkdirSync(plan.dir, { recursive: true });
      const name = processName(plan.vm.id);
      const existing = readPidFile(paths.pidFile);
      if (existing && isOurQemu(existing, name)) throw new Error(`QEMU for this VM is already running as pid ${existing}`);
      for (const stale of [paths.qmpSocket, paths.consoleSocket, paths.pidFile]) rmSync(stale, { force: true });

      // Opened once, here; the daemons and QEMU inherit these exact directories, never their names.
      const held = openLaunchShares(plan.shares);
      let child: ChildProcess;
      try {
        await stopVirtiofsds(plan.dir);
        try {
          for (const share of plan.shares) if (share.transport === 'virtiofs') await startVirtiofsd(share, plan.dir, held.fdOf(share.tag));
        } catch (err) {
          await stopVirtiofsds(plan.dir);
          throw err;
        }
        const argv = buildQemuArgv(plan, binary);
        writeFileSync(`${plan.dir}/qemu.argv.json`, JSON.stringify(argv));
        const log = openSync(paths.qemuLog, 'a');
        writeSync(log, `${RUN_MARKER} ${new Date().toISOString()}\n`);
        // Its own session and no pipes to us: QEMU must outlive the server and ignore its signals.
        // Each 9p share's directory becomes fd 3, 4, ... in QEMU (argv says /proc/self/fd/N).
        const shareFds = ninepShares(plan.shares).map((s) => held.fdOf(s.tag));
        child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log, ...shareFds] });
        closeSync(log);
      } finally {
        held.close();
      }
      const early = { exit: null as number | null };
      child.on('exit', (code, signal) => (early.exit = code ?? (signal ? 128 : 1)));
      child.unref();
      const pid = child.pid;
      if (!pid) throw new Error(`could not start ${binary}`);

      try {
        await waitFor(() => (early.exit !== null || existsSync(paths.qmpSocket) ? true : undefined), 15_000, 'the QMP socket');
        if (early.exit !== null) throw new Error((await runLogTail(paths.qemuLog, 5)).join('\n') || `QEMU exited with ${early.exit}`);
        const qmp = await QmpClient.connect(paths.qmpSocket);
        return new QemuProcess(pid, name, plan.dir, qmp);
      } catch (err) {
        if (early.exit === null) process.kill(pid, 'SIGKILL');
        await stopVirtiofsds(plan.dir);
        throw err;
      }
    },

    async reattach(vm: VmRecord, dir: string): Promise<RunningVm | null> {
      const paths = vmPaths(dir);
      const name = processName(vm.id);
      const pid = readPidFile(paths.pidFile) ?? vm.pid;
      if (!pid || !isOurQemu(pid, name)) return null;
      const qmp = await QmpClient.connect(paths.qmpSocket);
      return new QemuProcess(pid, name, dir, qmp);
    },

    cleanup: stopVirtiofsds,

    logTail(dir: string, lines: number): Promise<string[]> {
      return runLogTail(vmPaths(dir).qemuLog, lines);
    },
  };
}
