import { closeSync } from 'node:fs';
import { commandLine, waitFor, type LineChannel } from '@strata/host';
import {
  silentLogger,
  type Balloon,
  type ExitInfo,
  type GuestAgent,
  type LaunchShare,
  type LiveDisks,
  type LiveShares,
  type Logger,
  type RawCounters,
  type RunningVm,
  type ShareDaemons,
  type VcpuHotplug,
} from '@strata/core';
import { qemuCounters } from './qemu-counters.js';
import { PoolIoTotal } from './pool-io.js';
import { vmPaths, type VmPaths } from './argv.js';
import { runLogTail } from './log-tail.js';
import { QmpClient } from './qmp-client.js';
import { nodeForFile, runBlockJob, settleBlockJobs, type BlockJobOptions } from './block-jobs.js';
import { startVirtiofsd, stopVirtiofsd, virtiofsdPaths, watchVirtiofsd } from './virtiofsd.js';
import { openLaunchShare } from './share-dirs.js';
import type { QemuAgent } from './qemu-agent.js';

/**
 * How often the liveness of a QEMU is read from /proc. Its end is normally seen at once by the QMP
 * socket closing (the kernel closes it with the process, SIGKILL included); this only catches what
 * that misses, e.g. a QEMU still running after its QMP connection broke, which dies later.
 */
const SAFETY_POLL_MS = 5000;
/**
 * A share daemon's end is reported this long after it is seen, if QEMU still runs and nobody asked
 * it to stop: QEMU's own exit ends the daemons too, and its SHUTDOWN event or exit may arrive a
 * moment after the daemon's end-of-file.
 */
const DAEMON_GRACE_MS = 300;

const order = (p: Record<string, number>) => (p['socket-id'] ?? 0) * 1e6 + (p['core-id'] ?? 0) * 1e3 + (p['thread-id'] ?? 0);

/** Is `pid` alive and really this VM's QEMU (not a reused pid)? */
export function isOurQemu(pid: number, name: string): boolean {
  return commandLine(pid)?.some((arg) => arg.includes(name)) ?? false;
}

/**
 * A running QEMU seen through its QMP socket and its events (SHUTDOWN, STOP, RESUME, block jobs').
 * After a restart the process is not our child, so its end is noticed by the QMP socket closing,
 * with a slow liveness poll as a safety net; a QEMU this server launched also reports its status.
 */
export class QemuProcess implements RunningVm {
  readonly console: { socketPath: string; logPath: string };
  // QEMU has every facet; each is this object, whose methods they name.
  readonly vcpuHotplug: VcpuHotplug = this;
  readonly balloon: Balloon = this;
  readonly liveDisks: LiveDisks = this;
  readonly liveShares: LiveShares = this;
  readonly shareDaemons: ShareDaemons = this;
  private readonly paths: VmPaths;
  private readonly workerIo = new PoolIoTotal();
  private exitListeners: ((info: ExitInfo) => void)[] = [];
  private exitInfo: ExitInfo | null = null;
  private guestShutdown = false;
  private stopping = false;
  private detached = false;
  private poll: NodeJS.Timeout;
  /** The benchmark agent's facet, once its virtio-serial socket is connected (see withAgent). */
  agent?: GuestAgent;
  private agentChannel: LineChannel | null = null;
  private readonly daemonWatches = new Map<string, () => void>();
  private readonly lostDaemons = new Set<string>();
  private lostListeners: ((tag: string) => void)[] = [];

  constructor(
    readonly pid: number,
    private readonly name: string,
    private readonly dir: string,
    readonly qmp: QmpClient,
    private readonly log: Logger = silentLogger,
  ) {
    this.paths = vmPaths(dir);
    this.console = { socketPath: this.paths.consoleSocket, logPath: this.paths.consoleLog };
    qmp.onEvent((e) => {
      if (e.event === 'SHUTDOWN') {
        // guest: true when the guest powered off or reset itself; false for quit, a signal, or the host.
        if (e.data?.guest === true) this.guestShutdown = true;
        this.log.info({ event: e.event, guest: e.data?.guest, reason: e.data?.reason }, 'QEMU is shutting down');
      } else if (e.event === 'STOP' || e.event === 'RESUME') {
        this.log.info({ event: e.event }, e.event === 'STOP' ? 'the guest stopped running' : 'the guest runs again');
      }
    });
    qmp.onClose(() => {
      if (this.exitInfo || this.detached) return;
      this.log.info({}, 'QMP connection closed');
      void this.waitForDeath();
    });
    this.poll = setInterval(() => {
      if (isOurQemu(this.pid, this.name)) return;
      this.log.warn({}, 'QEMU gone without its QMP socket closing; seen by the liveness poll');
      this.finish();
    }, SAFETY_POLL_MS);
    this.poll.unref();
  }

  /**
   * For a QEMU this server launched: its exit status, logged. The end itself is still taken from
   * the QMP socket closing, which comes after every event QEMU wrote (SHUTDOWN among them), so a
   * guest's power-off is never mistaken for a crash by an exit seen first.
   */
  childExited(code: number | null, signal: string | null): void {
    this.log.info({ code, signal }, 'QEMU process exited');
  }

  /** Watches the virtiofsd of each tag from now on (see watchVirtiofsd). */
  superviseShares(tags: string[]): void {
    for (const tag of tags) {
      this.daemonWatches.get(tag)?.();
      this.daemonWatches.set(
        tag,
        watchVirtiofsd(this.dir, tag, () => this.daemonEnded(tag)),
      );
    }
  }

  onShareDaemonLost(listener: (tag: string) => void): void {
    for (const tag of this.lostDaemons) listener(tag);
    this.lostListeners.push(listener);
  }

  private expectingExit(): boolean {
    return this.exitInfo !== null || this.detached || this.stopping || this.guestShutdown;
  }

  private daemonEnded(tag: string): void {
    if (this.expectingExit()) return;
    setTimeout(() => {
      if (this.expectingExit() || !isOurQemu(this.pid, this.name) || this.lostDaemons.has(tag)) return;
      this.lostDaemons.add(tag);
      this.log.warn({ tag }, 'the virtiofsd of a share died while QEMU runs');
      for (const l of this.lostListeners) l(tag);
    }, DAEMON_GRACE_MS).unref();
  }

  private unwatchDaemons(): void {
    for (const stop of this.daemonWatches.values()) stop();
    this.daemonWatches.clear();
    this.lostListeners = [];
  }

  /** Gives this VM its benchmark agent's facet over a connected channel. */
  withAgent(connected: QemuAgent): this {
    this.agent = connected.agent;
    this.agentChannel = connected.channel;
    return this;
  }

  onExit(listener: (info: ExitInfo) => void): void {
    if (this.exitInfo) listener(this.exitInfo);
    else this.exitListeners.push(listener);
  }

  async forceStop(): Promise<void> {
    this.stopping = true;
    this.log.info({}, 'stopping QEMU (QMP quit)');
    await this.qmp.execute('quit', undefined, 3000).catch(() => undefined);
    try {
      await waitFor(() => (isOurQemu(this.pid, this.name) ? undefined : true), 5000, 'QEMU to quit');
    } catch {
      this.log.warn({}, 'QEMU did not quit within 5 s; SIGKILL');
      process.kill(this.pid, 'SIGKILL');
      await waitFor(() => (isOurQemu(this.pid, this.name) ? undefined : true), 5000, 'QEMU to die after SIGKILL');
    }
    this.finish();
  }

  async pause(): Promise<void> {
    await this.qmp.execute('stop');
  }

  async resume(): Promise<void> {
    await this.qmp.execute('cont');
  }

  async reset(): Promise<void> {
    await this.qmp.execute('system_reset');
  }

  async powerdown(): Promise<void> {
    await this.qmp.execute('system_powerdown');
  }

  async vcpuThreads(): Promise<{ index: number; threadId: number }[]> {
    const cpus = await this.qmp.execute<{ 'cpu-index': number; 'thread-id': number }[]>('query-cpus-fast');
    return cpus.map((c) => ({ index: c['cpu-index'], threadId: c['thread-id'] })).sort((a, b) => a.index - b.index);
  }

  counters(shares: { tag: string; transport: string }[]): Promise<RawCounters> {
    return qemuCounters(this.qmp, this.pid, this.dir, shares, this.workerIo);
  }

  /** device_add for each free slot that query-hotpluggable-cpus offers, until `count` vCPUs are present. */
  async hotplugVcpus(count: number): Promise<void> {
    type Slot = { type: string; props: Record<string, number>; 'qom-path'?: string };
    const slots = await this.qmp.execute<Slot[]>('query-hotpluggable-cpus');
    const free = slots.filter((s) => !s['qom-path']).sort((a, b) => order(a.props) - order(b.props));
    let present = slots.length - free.length;
    for (const slot of free) {
      if (present >= count) break;
      const id = `vcpu-s${slot.props['socket-id'] ?? 0}-c${slot.props['core-id'] ?? 0}-t${slot.props['thread-id'] ?? 0}`;
      await this.qmp.execute('device_add', { driver: slot.type, id, ...slot.props });
      present++;
    }
  }

  /** The format node a guest device reads from now (it changes after every snapshot or pivot). */
  async activeNode(diskId: string): Promise<string> {
    type Block = { device: string; qdev?: string; inserted?: { 'node-name': string } };
    const blocks = await this.qmp.execute<Block[]>('query-block');
    const block = blocks.find((b) => b.device === `drive-${diskId}` || b.qdev?.startsWith(`/machine/peripheral/${diskId}/`));
    if (!block?.inserted) throw new Error(`QEMU has no medium for disk ${diskId}`);
    return block.inserted['node-name'];
  }

  async snapshotDisk(diskId: string, path: string): Promise<void> {
    await this.qmp.execute(
      'blockdev-snapshot-sync',
      {
        'node-name': await this.activeNode(diskId),
        'snapshot-file': path,
        'snapshot-node-name': `${diskId}-${Date.now().toString(36)}`,
        format: 'qcow2',
        mode: 'absolute-paths',
      },
      30_000,
    );
  }

  /** Live commit of the active layer into `parentPath`; QEMU pivots the disk onto the parent. */
  async commitDisk(diskId: string, parentPath: string, options: BlockJobOptions): Promise<void> {
    const top = await this.activeNode(diskId);
    const base = await nodeForFile(this.qmp, parentPath);
    const jobId = `commit-${diskId}-${Date.now().toString(36)}`;
    await runBlockJob(
      this.qmp,
      jobId,
      () => this.qmp.execute('block-commit', { 'job-id': jobId, device: top, 'base-node': base, 'auto-dismiss': false }),
      options,
      this.log,
    );
  }

  /** Live stream: copies everything below into the active layer, which then has no backing file. */
  async streamDisk(diskId: string, options: BlockJobOptions): Promise<void> {
    const top = await this.activeNode(diskId);
    const jobId = `stream-${diskId}-${Date.now().toString(36)}`;
    await runBlockJob(
      this.qmp,
      jobId,
      () => this.qmp.execute('block-stream', { 'job-id': jobId, device: top, 'auto-dismiss': false }),
      options,
      this.log,
    );
  }

  /** Live copy of the whole chain into a new standalone qcow2 at `target`, then a pivot onto it. */
  async mirrorDisk(diskId: string, target: string, options: BlockJobOptions): Promise<void> {
    const top = await this.activeNode(diskId);
    const jobId = `mirror-${diskId}-${Date.now().toString(36)}`;
    await runBlockJob(
      this.qmp,
      jobId,
      () =>
        this.qmp.execute('drive-mirror', {
          'job-id': jobId,
          device: top,
          target,
          format: 'qcow2',
          sync: 'full',
          mode: 'absolute-paths',
          'auto-dismiss': false,
        }),
      options,
      this.log,
    );
  }

  settleBlockJobs(): Promise<void> {
    return settleBlockJobs(this.qmp, this.log);
  }

  /** The image file the guest's disk reads from now. */
  async activeFile(diskId: string): Promise<string> {
    type Block = { device: string; qdev?: string; inserted?: { file: string } };
    const blocks = await this.qmp.execute<Block[]>('query-block');
    const block = blocks.find((b) => b.device === `drive-${diskId}` || b.qdev?.startsWith(`/machine/peripheral/${diskId}/`));
    if (!block?.inserted) throw new Error(`QEMU has no medium for disk ${diskId}`);
    return block.inserted.file;
  }

  /** The active layer's format node grows; the guest's virtio-blk sees the new capacity at once. */
  async resizeDisk(diskId: string, sizeBytes: number): Promise<void> {
    await this.qmp.execute('block_resize', { 'node-name': await this.activeNode(diskId), size: sizeBytes }, 30_000);
  }

  async setBalloon(bytes: number): Promise<void> {
    await this.qmp.execute('balloon', { value: bytes });
  }

  /**
   * virtiofs can be plugged in live (chardev-add + device_add) when the guest's memory is already a
   * shared memfd, i.e. the VM started with a virtiofs share. 9p cannot: QEMU 7.2 has no fsdev_add.
   */
  async attachShare(share: LaunchShare): Promise<boolean> {
    if (share.transport !== 'virtiofs') return false;
    const memdevs = await this.qmp.execute<{ share: boolean }[]>('query-memdev');
    if (!memdevs.some((m) => m.share)) return false;
    // The same path as a start: the directory opened beneath its root is what the daemon gets.
    const fd = openLaunchShare(share);
    try {
      await startVirtiofsd(share, this.dir, fd);
    } finally {
      closeSync(fd);
    }
    const socket = virtiofsdPaths(this.dir, share.tag).socket;
    const chardev = `vfs-${share.tag}`;
    try {
      await this.qmp.execute('chardev-add', {
        id: chardev,
        backend: { type: 'socket', data: { addr: { type: 'unix', data: { path: socket } }, server: false } },
      });
      await this.qmp.execute('device_add', { driver: 'vhost-user-fs-pci', chardev, tag: share.tag, id: `fs-${share.tag}` });
    } catch (err) {
      await this.qmp.execute('chardev-remove', { id: chardev }).catch(() => undefined);
      await stopVirtiofsd(this.dir, share.tag);
      throw err;
    }
    this.superviseShares([share.tag]);
    return true;
  }

  detach(): void {
    this.detached = true;
    clearInterval(this.poll);
    this.unwatchDaemons();
    this.exitListeners = [];
    this.qmp.close();
    this.agentChannel?.close();
  }

  logTail(lines: number): Promise<string[]> {
    return runLogTail(this.paths.qemuLog, lines);
  }

  /** QEMU closes QMP as it exits; its teardown may take a while on a loaded host, and the poll after it is slow. */
  private async waitForDeath(): Promise<void> {
    try {
      await waitFor(() => (isOurQemu(this.pid, this.name) ? undefined : true), 10_000, 'QEMU to exit');
      this.finish();
    } catch {
      this.log.warn({}, 'QMP went away but QEMU lives on; the liveness poll keeps watching');
    }
  }

  private finish(): void {
    if (this.exitInfo) return;
    clearInterval(this.poll);
    this.unwatchDaemons();
    const clean = this.guestShutdown || this.stopping;
    const reason = this.guestShutdown ? 'the guest powered off' : this.stopping ? 'stopped by Strata' : 'QEMU exited unexpectedly';
    this.exitInfo = { clean, reason };
    this.log.info({ clean, reason }, 'QEMU run ended');
    this.qmp.close();
    this.agentChannel?.fail(`QEMU exited (${reason})`);
    for (const l of this.exitListeners) l(this.exitInfo);
    this.exitListeners = [];
  }
}
