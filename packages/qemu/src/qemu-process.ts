import { existsSync, readFileSync } from 'node:fs';
import { isAlive } from '@strata/host';
import type { ExitInfo, RunningVm } from '@strata/core';
import { vmPaths, type VmPaths } from './argv.js';
import { runLogTail } from './log-tail.js';
import { QmpClient } from './qmp-client.js';
import { waitFor } from './wait.js';

/** Is `pid` alive and really this VM's QEMU (not a reused pid)? */
export function isOurQemu(pid: number, name: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    if (/^State:\s+Z/m.test(status)) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => arg.includes(name));
  } catch {
    return false;
  }
}

export function readPidFile(path: string): number | null {
  if (!existsSync(path)) return null;
  const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * A running QEMU seen through its QMP socket. The process is not our child (it outlives the
 * server), so its end is noticed by the QMP socket closing, with a liveness poll as a safety net.
 */
export class QemuProcess implements RunningVm {
  readonly console: { socketPath: string; logPath: string };
  private readonly paths: VmPaths;
  private exitListeners: ((info: ExitInfo) => void)[] = [];
  private exitInfo: ExitInfo | null = null;
  private guestShutdown = false;
  private stopping = false;
  private poll: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    private readonly name: string,
    dir: string,
    readonly qmp: QmpClient,
  ) {
    this.paths = vmPaths(dir);
    this.console = { socketPath: this.paths.consoleSocket, logPath: this.paths.consoleLog };
    qmp.onEvent((e) => {
      if (e.event === 'SHUTDOWN' && e.data?.guest === true) this.guestShutdown = true;
    });
    qmp.onClose(() => void this.waitForDeath());
    this.poll = setInterval(() => {
      if (!isOurQemu(this.pid, this.name)) this.finish();
    }, 1000);
    this.poll.unref();
  }

  onExit(listener: (info: ExitInfo) => void): void {
    if (this.exitInfo) listener(this.exitInfo);
    else this.exitListeners.push(listener);
  }

  async forceStop(): Promise<void> {
    this.stopping = true;
    await this.qmp.execute('quit', undefined, 3000).catch(() => undefined);
    try {
      await waitFor(() => (isOurQemu(this.pid, this.name) ? undefined : true), 5000, 'QEMU to quit');
    } catch {
      process.kill(this.pid, 'SIGKILL');
      await waitFor(() => (isOurQemu(this.pid, this.name) ? undefined : true), 5000, 'QEMU to die after SIGKILL');
    }
    this.finish();
  }

  detach(): void {
    clearInterval(this.poll);
    this.exitListeners = [];
    this.qmp.close();
  }

  logTail(lines: number): Promise<string[]> {
    return runLogTail(this.paths.qemuLog, lines);
  }

  private async waitForDeath(): Promise<void> {
    try {
      await waitFor(() => (isOurQemu(this.pid, this.name) ? undefined : true), 3000, 'QEMU to exit');
      this.finish();
    } catch {
      // QMP went away but QEMU lives on; the liveness poll keeps watching.
    }
  }

  private finish(): void {
    if (this.exitInfo) return;
    clearInterval(this.poll);
    const clean = this.guestShutdown || this.stopping;
    const reason = this.guestShutdown ? 'the guest powered off' : this.stopping ? 'stopped by Strata' : 'QEMU exited unexpectedly';
    this.exitInfo = { clean, reason };
    this.qmp.close();
    for (const l of this.exitListeners) l(this.exitInfo);
    this.exitListeners = [];
  }
}
