import { createConnection } from 'node:net';
import type { WebSocket } from 'ws';
import { watchCaller } from '../auth/caller-watch.js';
import { RfbClientFilter, RfbProtocolError } from './vnc-filter.js';

const toBuffer = (data: unknown): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data as Buffer[]) : Buffer.from(data as ArrayBuffer);

/** Bytes waiting for QEMU beyond this mean the client floods faster than the VM reads: it is cut off. */
const MAX_BACKLOG = 8 * 1024 * 1024;

export interface VncBridgeOptions {
  socketPath: string;
  /** Asked for every input message: false drops keys, pointer, clipboard and power requests. */
  mayControl: () => boolean;
  /**
   * Asked for every input message, on every credential change and before output at most once a
   * second: false closes the session (signed out, disabled, deleted, its token revoked).
   */
  signedIn: () => boolean;
  onDropped?: (type: number) => void;
}

/**
 * One browser's VNC session: its own connection to QEMU's VNC socket (QEMU serves many clients,
 * all shared), screen bytes passed through untouched, input read message by message.
 */
export function bridgeVnc(ws: WebSocket, opts: VncBridgeOptions): void {
  const filter = new RfbClientFilter(opts.mayControl);
  const upstream = createConnection(opts.socketPath);
  const early: Buffer[] = [];
  let connected = false;
  const end = (code: number, reason: string) => {
    watch.stop();
    upstream.destroy();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason.slice(0, 120));
  };
  const watch = watchCaller(opts.signedIn, () => end(1008, 'the session ended'));
  const toQemu = (data: Buffer) => {
    if (!connected) return void early.push(data);
    if (upstream.writableLength > MAX_BACKLOG) return end(1008, 'too much input');
    upstream.write(data);
  };
  ws.on('message', (data) => {
    if (!opts.signedIn()) return end(1008, 'the session ended');
    try {
      const { forward, dropped } = filter.push(toBuffer(data));
      for (const b of forward) toQemu(b);
      for (const t of dropped) opts.onDropped?.(t);
    } catch (err) {
      end(1002, err instanceof RfbProtocolError ? err.message : 'bad input');
    }
  });
  ws.on('close', () => {
    watch.stop();
    upstream.destroy();
  });
  upstream.on('connect', () => {
    connected = true;
    for (const b of early.splice(0)) upstream.write(b);
  });
  upstream.on('data', (chunk) => {
    if (ws.readyState !== ws.OPEN || !watch.stillSignedIn()) return;
    ws.send(chunk);
    // The browser reads slower than QEMU draws: stop reading QEMU until the socket drains.
    if (ws.bufferedAmount > MAX_BACKLOG) {
      upstream.pause();
      const resume = setInterval(() => {
        if (ws.readyState !== ws.OPEN || ws.bufferedAmount < MAX_BACKLOG / 2) {
          clearInterval(resume);
          upstream.resume();
        }
      }, 50);
    }
  });
  upstream.on('error', (err) => end(1011, `cannot reach the VM's screen: ${err.message}`));
  upstream.on('close', () => end(1000, 'the VM stopped'));
}
