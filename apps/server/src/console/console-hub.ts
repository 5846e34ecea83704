import { readTail } from '@strata/host';
import { connectUpstream, type ConsoleEndpoint, type Upstream } from './upstream.js';

export type { ConsoleEndpoint } from './upstream.js';

/** What a viewer is: anything that takes bytes and can be closed (a WebSocket in practice). */
export interface ConsoleViewer {
  send(data: Buffer): void;
  close(reason: string): void;
}

const SCROLLBACK = 64 * 1024;

/**
 * Terminal queries (device status, cursor position, device attributes) in replayed history would
 * make every new viewer's terminal answer them, and the answers would arrive in the guest as typed
 * input. Live output keeps them: the guest asked, and one answer is expected.
 */
export function withoutTerminalQueries(history: Buffer): Buffer {
  // eslint-disable-next-line no-control-regex -- ESC starts the very sequences removed here
  return Buffer.from(history.toString('latin1').replace(/\x1b\[[>=]?[0-9]*[nc]/g, ''), 'latin1');
}

class ConsoleSession {
  private viewers = new Set<ConsoleViewer>();
  private scrollback: Buffer = Buffer.alloc(0);
  private upstream: Upstream | null = null;
  private ended = false;

  constructor(
    private readonly endpoint: ConsoleEndpoint,
    private readonly onEmpty: () => void,
  ) {}

  async open(): Promise<void> {
    // The console's log has everything the guest printed so far, including what no viewer saw.
    this.scrollback = await readTail(this.endpoint.logPath, SCROLLBACK);
    const upstream = await connectUpstream(this.endpoint);
    this.upstream = upstream;
    upstream.onData((chunk: Buffer) => {
      this.scrollback = Buffer.concat([this.scrollback, chunk]).subarray(-SCROLLBACK);
      for (const v of this.viewers) v.send(chunk);
    });
    upstream.onClose(() => this.end('the VM stopped'));
  }

  add(viewer: ConsoleViewer): void {
    this.viewers.add(viewer);
    if (this.scrollback.length > 0) viewer.send(withoutTerminalQueries(this.scrollback));
  }

  remove(viewer: ConsoleViewer): void {
    this.viewers.delete(viewer);
    if (this.viewers.size === 0) this.end(null);
  }

  input(data: Buffer): void {
    this.upstream?.write(data);
  }

  private end(reason: string | null): void {
    if (this.ended) return;
    this.ended = true;
    const upstream = this.upstream;
    this.upstream = null;
    upstream?.destroy();
    const viewers = [...this.viewers];
    this.viewers.clear();
    if (reason) for (const v of viewers) v.close(reason);
    this.onEmpty();
  }
}

/**
 * One connection to each VM's serial socket (QEMU's socket chardev takes a single client), shared
 * by every viewer: all see the same output, and any of them can type.
 */
export class ConsoleHub {
  private sessions = new Map<string, Promise<ConsoleSession>>();

  async attach(vmId: string, endpoint: ConsoleEndpoint, viewer: ConsoleViewer): Promise<(data: Buffer) => void> {
    let pending = this.sessions.get(vmId);
    if (!pending) {
      const session = new ConsoleSession(endpoint, () => this.sessions.delete(vmId));
      pending = session.open().then(() => session);
      this.sessions.set(vmId, pending);
      pending.catch(() => this.sessions.delete(vmId));
    }
    const session = await pending;
    session.add(viewer);
    return (data) => session.input(data);
  }

  async detach(vmId: string, viewer: ConsoleViewer): Promise<void> {
    const session = await this.sessions.get(vmId)?.catch(() => undefined);
    session?.remove(viewer);
  }

  /** The last output of a VM that is not running, from its console log. */
  static lastOutput(logPath: string): Promise<Buffer> {
    return readTail(logPath, SCROLLBACK);
  }
}
