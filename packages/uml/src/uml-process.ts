import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import {
  guestAgentOver,
  silentLogger,
  type ExitInfo,
  type GuestAgent,
  type Logger,
  type RawCounters,
  type RunningVm,
  type UmlControl,
  type WholeVmPinning,
} from '@strata/core';
import {
  fdProcPath,
  isSameProcess,
  lstatAt,
  openDirBeneath,
  openRootDir,
  parseDiskstats,
  parseProcStat,
  readTail,
  type LineChannel,
  removeAt,
  rssBytes,
  setAffinity,
  threadsOf,
} from '@strata/host';
import { mconsole, MconsoleError } from './mconsole.js';
import { DISKS_DIR, type UmlPaths } from './uml-argv.js';
import { killSandbox, openKernel, umlProcesses, verifyUml, type UmlIdentity } from './uml-identity.js';
import { createDiskFile } from './vm-dir.js';

/** Printed by the UML kernel when the guest powers off or mconsole halts it: not a crash. */
const CLEAN_END = /reboot: (System halted|Power down)/;
export const UML_RUN_MARKER = '--- strata: UML started';

const MAX_UBD = 8;

/**
 * UML has no event channel (mconsole only answers), so a sandbox's end is read from /proc: every
 * half second when it is not the server's child (after a restart; Node has no pidfd to wait on),
 * and only as a safety net when it is, its exit then being reported by the kernel at once.
 */
const POLL_MS = 500;
const SAFETY_POLL_MS = 5000;

/** bubblewrap as the server spawned it: its exit ends the VM (it exits when the sandbox's init does). */
export interface SandboxChild {
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

/**
 * A UML VM: the sandbox (bubblewrap) it was started in, whose recorded identity survives server
 * restarts, and its management console. Its end is noticed by bubblewrap's exit when the server
 * launched it, and by polling /proc after a restart, when it is not the server's child.
 */
export class UmlProcess implements RunningVm {
  readonly pid: number;
  readonly console: { logPath: string; inputPath: string };
  // The facets UML has are this object, whose methods they name; it has no live disks, balloon or vCPU hot-plug.
  readonly uml: UmlControl = this;
  readonly wholeVmPinning: WholeVmPinning = this;
  /** The benchmark agent, on serial line 1, when the VM was launched with it (not after a reattach: its socket was the old server's). */
  readonly agent?: GuestAgent;
  private readonly agentChannel: LineChannel | null;
  private exitListeners: ((info: ExitInfo) => void)[] = [];
  private exitInfo: ExitInfo | null = null;
  private stopping = false;
  private ending: Promise<void> | null = null;
  private poll: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    private readonly identity: UmlIdentity,
    private readonly paths: UmlPaths,
    private readonly owner: { uid: number; gid: number },
    options: { logger?: Logger; child?: SandboxChild; agent?: LineChannel | null } = {},
  ) {
    this.pid = identity.bwrap.pid;
    this.agentChannel = options.agent ?? null;
    if (this.agentChannel) {
      const channel = this.agentChannel;
      this.agent = guestAgentOver((make, o) => channel.call(make, o));
    }
    this.log = options.logger ?? silentLogger;
    this.console = { logPath: paths.consoleLog, inputPath: paths.consoleIn };
    options.child?.once('exit', (code, signal) => {
      this.log.info({ code, signal }, 'bubblewrap exited');
      void this.finish();
    });
    this.poll = setInterval(
      () => {
        if (isSameProcess(this.identity.bwrap)) return;
        if (options.child) this.log.warn({}, 'the sandbox is gone but its exit was not reported; seen by the liveness poll');
        void this.finish();
      },
      options.child ? SAFETY_POLL_MS : POLL_MS,
    );
    this.poll.unref();
  }

  processes(): number[] {
    return umlProcesses(this.identity);
  }

  /** The recorded kernel, while the whole recorded chain (bubblewrap, init, kernel) is still there. */
  kernelPid(): number | null {
    return verifyUml(this.identity, this.owner) ? this.identity.kernel.pid : null;
  }

  async mconsole(command: string[]): Promise<string> {
    const procFd = openKernel(this.identity, this.owner);
    if (procFd === null) throw new MconsoleError('the UML kernel is not running');
    try {
      return await mconsole({ procFd, ...this.owner }, this.paths.mconsole, command);
    } finally {
      closeSync(procFd);
    }
  }

  onExit(listener: (info: ExitInfo) => void): void {
    if (this.exitInfo) listener(this.exitInfo);
    else this.exitListeners.push(listener);
  }

  async forceStop(): Promise<void> {
    this.stopping = true;
    this.log.info({ init: this.identity.init.pid, kernel: this.identity.kernel.pid }, 'stopping UML (SIGKILL to the sandbox)');
    await killSandbox(this.identity);
    await this.finish();
  }

  async pause(): Promise<void> {
    await this.mconsole(['stop']);
  }

  async resume(): Promise<void> {
    await this.mconsole(['go']);
  }

  async reset(): Promise<void> {
    await this.mconsole(['reboot']);
  }

  /** Ctrl-Alt-Del: the default guest's init powers off cleanly on it. */
  async powerdown(): Promise<void> {
    await this.mconsole(['cad']);
  }

  /** UML is uniprocessor: its one CPU is the kernel's main process. */
  async vcpuThreads(): Promise<{ index: number; threadId: number }[]> {
    const pid = this.kernelPid();
    return pid ? [{ index: 0, threadId: pid }] : [];
  }

  /** Pins every thread of every process of the VM (guest processes run in host processes of their own). */
  async pinAll(cpus: number[]): Promise<void> {
    for (const pid of this.processes()) {
      for (const tid of threadsOf(pid)) await setAffinity(tid, cpus).catch(() => undefined);
    }
  }

  /** ubd devices as the kernel has them configured (mconsole config ubdN answers its file, or nothing). */
  async ubdDevices(): Promise<{ device: string; path: string; sizeBytes: number }[]> {
    const found = [];
    for (let i = 0; i < MAX_UBD; i++) {
      const spec = await this.mconsole(['config', `ubd${i}`]);
      if (!spec) continue;
      const path = spec.split(',')[0]!;
      found.push({ device: `ubd${i}`, path, sizeBytes: this.sizeInDisks(path) });
    }
    return found;
  }

  /** A blank sparse raw disk in the VM's directory (the only place its namespace can see), plugged in live. */
  async addScratchDisk(sizeMiB: number): Promise<{ device: string; path: string; sizeBytes: number }> {
    const used = new Set((await this.ubdDevices()).map((d) => d.device));
    const index = [...Array(MAX_UBD).keys()].find((i) => !used.has(`ubd${i}`));
    if (index === undefined) throw new Error(`all ${MAX_UBD} ubd devices are in use`);
    const name = `scratch-ubd${index}.raw`;
    const path = `${this.paths.disksDir}/${name}`;
    // disks/ is the guest's to write: the file is made new there, whatever name was planted.
    this.inDisks((fd) => createDiskFile(fd, name, sizeMiB * 1048576, this.owner));
    try {
      await this.mconsole(['config', `ubd${index}=${path}`]);
    } catch (err) {
      this.inDisks((fd) => removeAt(fd, name));
      throw err;
    }
    return { device: `ubd${index}`, path, sizeBytes: sizeMiB * 1048576 };
  }

  /** Unplugs a scratch disk (UML refuses while the guest has it open) and deletes its file. */
  async removeScratchDisk(device: string): Promise<void> {
    const disk = (await this.ubdDevices()).find((d) => d.device === device);
    if (!disk) throw new Error(`${device} is not configured`);
    const name = disk.path.slice(this.paths.disksDir.length + 1);
    if (!disk.path.startsWith(`${this.paths.disksDir}/`) || !/^scratch-ubd\d+\.raw$/.test(name))
      throw new Error(`${device} is one of the VM's own disks, not a scratch disk`);
    await this.mconsole(['remove', device]);
    this.inDisks((fd) => removeAt(fd, name));
  }

  /**
   * The reply is the guest's to write: its path is only compared with the disks directory Strata
   * made, and a plain name there is looked at (never followed) beneath the held directory.
   */
  private sizeInDisks(path: string): number {
    const name = path.slice(this.paths.disksDir.length + 1);
    if (!path.startsWith(`${this.paths.disksDir}/`) || !/^[\w.-]+$/.test(name) || name === '..' || name === '.') return 0;
    let size = 0;
    this.inDisks((fd) => {
      const st = lstatAt(fd, name);
      size = st?.isFile() ? st.size : 0;
    });
    return size;
  }

  private inDisks(work: (disksFd: number) => void): void {
    const dirFd = openRootDir(this.paths.dir);
    try {
      const disks = openDirBeneath(dirFd, DISKS_DIR);
      try {
        work(disks);
      } finally {
        closeSync(disks);
      }
    } finally {
      closeSync(dirFd);
    }
  }

  /**
   * The guest's own view through mconsole: proc diskstats per ubd device (sectors of 512 bytes,
   * ms spent) and proc stat's busy share of its one CPU; memory from the kernel process. hostfs
   * has no per-share counter, so no share numbers are given rather than invented ones.
   */
  async counters(): Promise<RawCounters> {
    const [diskstats, stat] = await Promise.all([this.mconsole(['proc', 'diskstats']), this.mconsole(['proc', 'stat'])]);
    const disks = [...parseDiskstats(diskstats)].flatMap(([name, d]) => {
      const m = /^ubd([a-z])$/.exec(name);
      if (!m) return [];
      return [
        {
          id: `disk${m[1]!.charCodeAt(0) - 97}`,
          rdBytes: d.sectorsRead * 512,
          wrBytes: d.sectorsWritten * 512,
          rdOps: d.reads,
          wrOps: d.writes,
          rdTimeNs: d.readMs * 1e6,
          wrTimeNs: d.writeMs * 1e6,
        },
      ];
    });
    const cpu = parseProcStat(stat);
    const kernel = this.kernelPid();
    return { cpu: [{ index: 0, ticks: cpu.busy, totalTicks: cpu.total }], rssBytes: kernel ? rssBytes(kernel) : 0, disks, shares: [] };
  }

  detach(): void {
    clearInterval(this.poll);
    this.exitListeners = [];
    this.agentChannel?.close();
    // Let go: a later exit of bubblewrap is for the next server's poll to report, not this one.
    this.ending ??= Promise.resolve();
  }

  async logTail(lines: number): Promise<string[]> {
    return umlLogTail(this.paths.consoleLog, lines);
  }

  /** Reached from bubblewrap's exit, the poll and forceStop, possibly together: one end, awaited by all. */
  private finish(): Promise<void> {
    this.ending ??= this.end();
    return this.ending;
  }

  private async end(): Promise<void> {
    clearInterval(this.poll);
    // Bubblewrap may have been killed alone: what is left of its sandbox (init, kernel) goes with it.
    await killSandbox(this.identity).catch((err: unknown) =>
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'the rest of the sandbox did not end'),
    );
    const tail = await umlLogTail(this.paths.consoleLog, 20);
    const halted = tail.some((l) => CLEAN_END.test(l));
    const clean = this.stopping || halted;
    this.exitInfo = {
      clean,
      reason: halted ? 'the guest powered off' : this.stopping ? 'stopped by Strata' : 'the UML kernel exited unexpectedly',
    };
    this.log.info({ ...this.exitInfo }, 'UML run ended');
    this.agentChannel?.fail(`UML exited (${this.exitInfo.reason})`);
    const listeners = this.exitListeners;
    this.exitListeners = [];
    for (const l of listeners) l(this.exitInfo);
  }
}

/** The console's last lines of the latest run. */
export async function umlLogTail(path: string, lines: number): Promise<string[]> {
  // A VM directory of the old layout was the guest's to write: its log may be a planted symlink.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  let text: string;
  try {
    text = fstatSync(fd).isFile() ? (await readTail(fdProcPath(fd), 65536)).toString('utf8') : '';
  } finally {
    closeSync(fd);
  }
  const all = text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter(Boolean);
  const start = all.map((l) => l.startsWith(UML_RUN_MARKER)).lastIndexOf(true);
  return all.slice(start + 1).slice(-lines);
}
