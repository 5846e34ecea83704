import { spawn } from 'node:child_process';
import { closeSync, existsSync, lstatSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { silentLogger, type HypervisorDriver, type LaunchPlan, type Logger, type RunningVm, type VmRecord } from '@strata/core';
import { childrenOf, identify, LineChannel, openRootDir, procInfo, waitFor, type ProcIdentity } from '@strata/host';
import { umlPaths, umlSandboxArgv, type UmlPaths } from './uml-argv.js';
import { prepareSandbox, type PreparedSandbox } from './sandbox-prep.js';
import { clearRunState, writeServerFile } from './vm-dir.js';
import { currentUml, findKernel, killSandbox, readUmlRecord, recordUml, type UmlIdentity } from './uml-identity.js';
import { UML_RUN_MARKER, umlLogTail, UmlProcess } from './uml-process.js';
import { UML_CAPABILITIES, UML_RULES } from './uml-rules.js';

export interface UmlDriverOptions {
  /** The unprivileged user every UML VM runs as. */
  uid: number;
  gid: number;
  /** Allowed share roots: each hostfs share is opened beneath its root, never by its whole path. */
  shareRoots?: string[];
  /** Each step of a VM's sandbox (launch, its processes, exit, reattach), tagged with the VM and its pid. */
  logger?: Logger;
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

/**
 * bubblewrap writes one JSON object to --info-fd in several writes, then closes it; "child-pid"
 * is the sandbox's pid 1 as the host sees it. The stream is read to its end: closing it early
 * would kill bubblewrap with SIGPIPE on its next write.
 */
function readInitPid(stream: Readable, found: (pid: number) => void): void {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    try {
      const pid = (JSON.parse(text) as { 'child-pid'?: unknown })['child-pid'];
      if (typeof pid === 'number' && Number.isInteger(pid) && pid > 0) found(pid);
    } catch {
      // not all of it yet
    }
  });
  stream.on('error', () => undefined);
}

/**
 * A start that failed half-way: only the processes this start made are signalled. Killing
 * bubblewrap alone would orphan a sandbox it has already cloned, so its init is waited for
 * (bubblewrap reports it right after cloning) unless bubblewrap has ended.
 */
async function stopPartial(bwrap: ProcIdentity, state: { exited: boolean; initPid: number | null }): Promise<void> {
  await waitFor(() => (state.initPid !== null || state.exited ? true : undefined), 10_000, 'bubblewrap to report its sandbox').catch(
    () => undefined,
  );
  // Only bubblewrap makes children of bubblewrap; its init is the one running as root.
  const pid = state.initPid ?? childrenOf(bwrap.pid).find((p) => procInfo(p)?.uid === 0) ?? null;
  const init = pid === null ? null : identify(pid);
  await killSandbox({ bwrap, init: init ?? { pid: 0, startTime: -1 }, kernel: { pid: 0, startTime: -1 } });
}

export function createUmlDriver(options: UmlDriverOptions): HypervisorDriver {
  const owner = { uid: options.uid, gid: options.gid };
  const roots = options.shareRoots ?? [];
  const logger = options.logger ?? silentLogger;

  /** The VM's recorded sandbox if it still runs (a record from before start times were kept is upgraded). */
  const recorded = (dir: string, vmId: string, fallbackPid: number | null): UmlIdentity | null => {
    const dirFd = openRootDir(dir);
    try {
      return currentUml(dir, dirFd, vmId, owner, fallbackPid);
    } finally {
      closeSync(dirFd);
    }
  };

  /**
   * Spawns bubblewrap with the prepared descriptors and a pipe for its --info-fd. Returns its
   * identity (taken while it is the server's unreaped child, so the pid cannot have been reused),
   * whether it has exited since, and the sandbox init's pid once bubblewrap reports it.
   */
  const spawnSandbox = (plan: LaunchPlan, paths: UmlPaths, p: PreparedSandbox, log: Logger) => {
    writeSync(p.log, `${UML_RUN_MARKER} ${new Date().toISOString()}\r\n`);
    const cpus = plan.vm.pinning.vcpus.find((v) => v.index === 0)?.cpus ?? null;
    const argv = umlSandboxArgv(plan, paths, { cpus, uid: options.uid, gid: options.gid }, p.fds);
    writeServerFile(p.dirFd, 'uml.argv.json', JSON.stringify(argv));
    // The agent's channel is a socket pair (Node makes one for each extra 'pipe'): the kernel holds one end as ssl1.
    const agentPipe = p.fds.agent ? ['pipe' as const] : [];
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: [p.input, p.log, p.log, ...p.extra, 'pipe', ...agentPipe] });
    const state: { exited: boolean; initPid: number | null } = { exited: false, initPid: null };
    child.on('exit', () => (state.exited = true));
    child.on('error', () => (state.exited = true));
    const bwrap = child.pid ? identify(child.pid) : null;
    if (!bwrap) {
      log.error({ argv }, 'the UML sandbox could not be started');
      child.kill('SIGKILL');
      throw new Error('could not start the UML sandbox');
    }
    log.info({ pid: bwrap.pid, argv }, 'UML sandbox launched');
    readInitPid(child.stdio[p.fds.info] as Readable, (pid) => (state.initPid = pid));
    child.unref();
    const agentSocket = p.fds.agent ? (child.stdio[p.fds.agent] as Socket) : null;
    agentSocket?.unref();
    // Every process holding the kernel's end is in the sandbox: its end-of-file is the sandbox's end.
    const agent = agentSocket ? new LineChannel(agentSocket, { closeReason: () => 'UML exited' }) : null;
    return { bwrap, state, child, agent };
  };

  return {
    label: 'UML',
    capabilities: UML_CAPABILITIES,
    rules: UML_RULES,

    async launch(plan: LaunchPlan): Promise<RunningVm> {
      const vm = plan.vm;
      const paths = umlPaths(plan.dir, vm.id, vm.umlMemoryDir);
      const running = existsSync(plan.dir) ? recorded(plan.dir, vm.id, vm.pid ?? null) : null;
      if (running) throw new Error(`UML for this VM is already running as pid ${running.bwrap.pid}`);
      const prepared = await prepareSandbox(plan, paths, owner, roots);
      const log = logger.child({ vm: vm.id });
      let child;
      let identity: UmlIdentity | null = null;
      try {
        child = spawnSandbox(plan, paths, prepared, log);
        const { bwrap, state } = child;
        // Up when its management console listens and it has made every COW file it was given.
        const up = await waitFor(
          () =>
            state.exited || (state.initPid !== null && isSocket(paths.mconsole) && plan.disks.every((d) => exists(d.path)))
              ? true
              : undefined,
          20_000,
          'UML to start',
        ).then(
          () => true,
          () => false,
        );
        identity = up && !state.exited && state.initPid !== null ? findKernel(bwrap, state.initPid, owner) : null;
        if (identity) recordUml(prepared.dirFd, identity);
      } finally {
        for (const fd of prepared.held) closeSync(fd);
      }
      if (!identity) {
        log.error(
          { pid: child.bwrap.pid, exited: child.state.exited, init: child.state.initPid },
          'UML did not start; stopping its sandbox',
        );
        child.agent?.close();
        await stopPartial(child.bwrap, child.state);
        const tail = (await umlLogTail(paths.consoleLog, 6)).join('\n');
        throw new Error(`UML did not start: ${tail || 'no output'}`);
      }
      const vmLog = log.child({ pid: identity.bwrap.pid });
      vmLog.info({ init: identity.init.pid, kernel: identity.kernel.pid }, 'UML is up (management console listening)');
      return new UmlProcess(identity, paths, owner, { logger: vmLog, child: child.child, agent: child.agent });
    },

    /**
     * null when the recorded sandbox is gone (or its pids are now other processes); a rejection
     * naming the reason when the VM's record cannot be read, so a live VM is not taken for a dead one.
     */
    async reattach(vm: VmRecord, dir: string): Promise<RunningVm | null> {
      const paths = umlPaths(dir, vm.id, vm.umlMemoryDir);
      const log = logger.child({ vm: vm.id });
      let identity: UmlIdentity | null;
      try {
        identity = existsSync(dir) ? recorded(dir, vm.id, vm.pid ?? null) : null;
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        log.error({ err: why }, 'reattach: the VM directory could not be read');
        throw new Error(`UML for this VM could not be reattached: ${why}`);
      }
      if (!identity) {
        log.info({ pid: vm.pid }, 'reattach: UML is not running');
        return null;
      }
      const vmLog = log.child({ pid: identity.bwrap.pid });
      vmLog.info({ init: identity.init.pid, kernel: identity.kernel.pid }, 'reattach: sandbox found');
      return new UmlProcess(identity, paths, owner, { logger: vmLog });
    },

    /**
     * The recorded sandbox's processes that still run; its pid namespace ends with its init. The
     * record is taken as it is, not only while bubblewrap lives: an init left behind by a killed
     * bubblewrap is still recorded by pid and start time (killSandbox checks each).
     */
    async cleanup(dir: string): Promise<void> {
      const vmId = basename(dir);
      if (!existsSync(dir)) return;
      const record = readUmlRecord(dir);
      const identity = record && !('legacyPid' in record) ? record : recorded(dir, vmId, null);
      if (identity) await killSandbox(identity);
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
