import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { silentLogger, type HypervisorDriver, type LaunchPlan, type Logger, type RunningVm, type VmRecord } from '@strata/core';
import { readPidFile, waitFor } from '@strata/host';
import { buildQemuArgv, ninepShares, processName, QEMU_BINARY, vmPaths } from './argv.js';
import { RUN_MARKER, runLogTail } from './log-tail.js';
import { QmpClient } from './qmp-client.js';
import { isOurQemu, QemuProcess } from './qemu-process.js';
import { connectAgent } from './qemu-agent.js';
import { startVirtiofsd, stopVirtiofsds } from './virtiofsd.js';
import { openLaunchShares } from './share-dirs.js';
import { QEMU_CAPABILITIES, QEMU_RULES } from './qemu-rules.js';

/** Unix socket paths are limited to 107 bytes; refuse early with a clear reason. */
const MAX_SOCKET_PATH = 107;

export interface QemuDriverOptions {
  binary?: string;
  /** Each step of a VM's process (launch, QMP, events, exit, reattach), tagged with the VM and its pid. */
  logger?: Logger;
}

export function createQemuDriver(options: QemuDriverOptions = {}): HypervisorDriver {
  const binary = options.binary ?? QEMU_BINARY;
  const logger = options.logger ?? silentLogger;
  return {
    label: 'QEMU',
    capabilities: QEMU_CAPABILITIES,
    rules: QEMU_RULES,

    async launch(plan: LaunchPlan): Promise<RunningVm> {
      const paths = vmPaths(plan.dir);
      if (Buffer.byteLength(paths.consoleSocket) > MAX_SOCKET_PATH) {
        throw new Error(`the data directory path is too long for unix sockets (${paths.consoleSocket})`);
      }
      mkdirSync(plan.dir, { recursive: true });
      const name = processName(plan.vm.id);
      const existing = readPidFile(paths.pidFile);
      if (existing && isOurQemu(existing, name)) throw new Error(`QEMU for this VM is already running as pid ${existing}`);
      for (const stale of [paths.qmpSocket, paths.consoleSocket, paths.pidFile, paths.agentSocket]) rmSync(stale, { force: true });

      // Opened once, here; the daemons and QEMU inherit these exact directories, never their names.
      const held = openLaunchShares(plan.shares);
      let child: ChildProcess;
      let argv: string[];
      const vmLog = logger.child({ vm: plan.vm.id });
      try {
        await stopVirtiofsds(plan.dir);
        try {
          for (const share of plan.shares) if (share.transport === 'virtiofs') await startVirtiofsd(share, plan.dir, held.fdOf(share.tag));
        } catch (err) {
          await stopVirtiofsds(plan.dir);
          throw err;
        }
        argv = buildQemuArgv(plan, binary);
        writeFileSync(`${plan.dir}/qemu.argv.json`, JSON.stringify(argv));
        const logFd = openSync(paths.qemuLog, 'a');
        writeSync(logFd, `${RUN_MARKER} ${new Date().toISOString()}\n`);
        // Its own session and no pipes to us: QEMU must outlive the server and ignore its signals.
        // Each 9p share's directory becomes fd 3, 4, ... in QEMU (argv says /proc/self/fd/N).
        const shareFds = ninepShares(plan.shares).map((s) => held.fdOf(s.tag));
        child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', logFd, logFd, ...shareFds] });
        closeSync(logFd);
      } finally {
        held.close();
      }
      const early = { exit: null as number | null };
      let proc: QemuProcess | null = null;
      let log = vmLog;
      // Without a listener a failed spawn (no binary) would be an uncaught 'error' event.
      child.on('error', (err) => log.error({ err: err.message, binary }, 'QEMU could not be spawned'));
      child.on('exit', (code, signal) => {
        early.exit = code ?? (signal ? 128 : 1);
        if (proc) proc.childExited(code, signal);
        else log.warn({ code, signal }, 'QEMU exited during its start');
      });
      child.unref();
      const pid = child.pid;
      if (!pid) {
        vmLog.error({ argv }, 'QEMU could not be started');
        throw new Error(`could not start ${binary}`);
      }
      log = vmLog.child({ pid });
      log.info({ argv }, 'QEMU launched');

      try {
        await waitFor(() => (early.exit !== null || existsSync(paths.qmpSocket) ? true : undefined), 15_000, 'the QMP socket');
        if (early.exit !== null) throw new Error((await runLogTail(paths.qemuLog, 5)).join('\n') || `QEMU exited with ${early.exit}`);
        const qmp = await QmpClient.connect(paths.qmpSocket, { logger: log });
        log.info({ socket: paths.qmpSocket }, 'QMP connected');
        const agent = plan.agent ? await connectAgent(paths.agentSocket, () => !isOurQemu(pid, name)) : null;
        proc = new QemuProcess(pid, name, plan.dir, qmp, log);
        if (agent) proc.withAgent(agent);
        proc.superviseShares(plan.shares.filter((s) => s.transport === 'virtiofs').map((s) => s.tag));
        return proc;
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'QEMU start failed; killing it');
        if (early.exit === null) process.kill(pid, 'SIGKILL');
        await stopVirtiofsds(plan.dir);
        throw err;
      }
    },

    /**
     * null when the VM's QEMU is gone (or the pid is now someone else's); a rejection naming the
     * reason when it runs but cannot be taken over (its QMP socket does not answer), so the caller
     * does not take a live VM for a dead one.
     */
    async reattach(vm: VmRecord, dir: string): Promise<RunningVm | null> {
      const paths = vmPaths(dir);
      const name = processName(vm.id);
      const pid = readPidFile(paths.pidFile) ?? vm.pid;
      const log = logger.child({ vm: vm.id, pid });
      if (!pid || !isOurQemu(pid, name)) {
        log.info({}, 'reattach: QEMU is not running');
        return null;
      }
      let qmp: QmpClient;
      try {
        qmp = await QmpClient.connect(paths.qmpSocket, { logger: log });
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        // It may have ended while we were connecting: then it is simply not running.
        if (!isOurQemu(pid, name)) {
          log.info({ err: why }, 'reattach: QEMU ended while connecting');
          return null;
        }
        log.error({ err: why }, 'reattach: QEMU runs but its QMP socket does not answer');
        throw new Error(`QEMU (pid ${pid}) is running but could not be reattached: ${why}`);
      }
      log.info({ socket: paths.qmpSocket }, 'reattach: QMP connected');
      const proc = new QemuProcess(pid, name, dir, qmp, log);
      // A share marked pending was never plugged in, so it has no daemon to lose.
      proc.superviseShares(vm.shares.filter((s) => s.transport === 'virtiofs' && !s.pending).map((s) => s.tag));
      // QEMU serves the agent's port to one connection at a time: the old server's went with it.
      if (vm.agent) {
        const agent = await connectAgent(paths.agentSocket, () => !isOurQemu(pid, name)).catch((err: Error) => {
          log.warn({ err: err.message }, 'reattach: the benchmark agent socket does not answer');
          return null;
        });
        if (agent) proc.withAgent(agent);
      }
      return proc;
    },

    cleanup: stopVirtiofsds,

    logTail(dir: string, lines: number): Promise<string[]> {
      return runLogTail(vmPaths(dir).qemuLog, lines);
    },
  };
}
