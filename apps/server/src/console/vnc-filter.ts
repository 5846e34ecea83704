/**
 * Reads what a browser sends to QEMU's VNC server as RFB 3.8 messages, so that each one can be
 * let through or dropped as a whole: a viewer may watch (pixel format, encodings, update requests)
 * but its keys, pointer, clipboard and power requests never reach the VM.
 */

/** Client-to-server message types (RFC 6143 and the extensions QEMU 7.2 reads). */
export const RFB = {
  setPixelFormat: 0,
  setEncodings: 2,
  framebufferUpdateRequest: 3,
  keyEvent: 4,
  pointerEvent: 5,
  clientCutText: 6,
  enableContinuousUpdates: 150,
  clientFence: 248,
  xvp: 250,
  setDesktopSize: 251,
  qemu: 255,
} as const;

/** What a viewer may send: nothing that changes the guest. */
export const WATCH_ONLY: ReadonlySet<number> = new Set([RFB.setPixelFormat, RFB.setEncodings, RFB.framebufferUpdateRequest]);

/** QEMU drops a client whose clipboard text is longer; so does this bridge, before buffering it. */
export const MAX_CUT_TEXT = 1 << 20;

/** The version, the security type (None), ClientInit: the only bytes a client sends before messages. */
const HANDSHAKE_BYTES = 12 + 1 + 1;
const VERSION = 'RFB 003.008\n';
const SECURITY_NONE = 1;

export class RfbProtocolError extends Error {}

/**
 * The length of the message at the start of `buf`, or null when more bytes are needed to tell.
 * Throws on a type QEMU does not know (it would drop the connection; so does the bridge, since
 * nothing after it could be framed).
 */
export function messageLength(buf: Buffer): number | null {
  if (buf.length < 1) return null;
  const need = (n: number) => (buf.length >= n ? true : null);
  switch (buf[0]) {
    case RFB.setPixelFormat:
      return 20;
    case RFB.setEncodings:
      return need(4) && 4 + 4 * buf.readUInt16BE(2);
    case RFB.framebufferUpdateRequest:
      return 10;
    case RFB.keyEvent:
      return 8;
    case RFB.pointerEvent:
      return 6;
    case RFB.clientCutText: {
      if (!need(8)) return null;
      // The extended clipboard sends a negative length; its size is the absolute value.
      const size = Math.abs(buf.readInt32BE(4));
      if (size > MAX_CUT_TEXT) throw new RfbProtocolError(`clipboard text of ${size} bytes is over the ${MAX_CUT_TEXT}-byte limit`);
      return 8 + size;
    }
    case RFB.enableContinuousUpdates:
      return 10;
    case RFB.clientFence:
      return need(9) && 9 + buf[8]!;
    case RFB.xvp:
      return 4;
    case RFB.setDesktopSize:
      return need(8) && 8 + 16 * buf[6]!;
    case RFB.qemu:
      return need(4) && qemuMessageLength(buf);
    default:
      throw new RfbProtocolError(`unknown RFB message type ${buf[0]}`);
  }
}

function qemuMessageLength(buf: Buffer): number {
  const subtype = buf[1];
  if (subtype === 0) return 12; // extended key event
  if (subtype === 1) {
    const op = buf.readUInt16BE(2);
    if (op === 0 || op === 1) return 4; // audio on / off
    if (op === 2) return 10; // audio format
    throw new RfbProtocolError(`unknown QEMU audio operation ${op}`);
  }
  throw new RfbProtocolError(`unknown QEMU message subtype ${subtype}`);
}

export interface FilterResult {
  /** Bytes to pass on to QEMU, in order. */
  forward: Buffer[];
  /** Whole messages held back, by type, for the log and the tests. */
  dropped: number[];
}

/**
 * Feeds the client's byte stream through the handshake, then message by message. `mayControl` is
 * asked for every message, so a user demoted while connected stops at once. The handshake passes
 * as sent except ClientInit's shared flag, which is forced on: an exclusive client would make
 * QEMU disconnect everyone else.
 */
export class RfbClientFilter {
  private pending: Buffer = Buffer.alloc(0);
  private handshake = 0;

  constructor(private readonly mayControl: () => boolean) {}

  push(chunk: Buffer): FilterResult {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: FilterResult = { forward: [], dropped: [] };
    if (this.handshake < HANDSHAKE_BYTES) this.takeHandshake(out);
    while (this.handshake >= HANDSHAKE_BYTES && this.pending.length > 0) {
      const length = messageLength(this.pending);
      if (length === null || this.pending.length < length) break;
      const message = this.pending.subarray(0, length);
      this.pending = this.pending.subarray(length);
      if (WATCH_ONLY.has(message[0]!) || this.mayControl()) out.forward.push(Buffer.from(message));
      else out.dropped.push(message[0]!);
    }
    return out;
  }

  private takeHandshake(out: FilterResult): void {
    const take = Math.min(HANDSHAKE_BYTES - this.handshake, this.pending.length);
    const bytes = Buffer.from(this.pending.subarray(0, take));
    for (let i = 0; i < take; i++) {
      const at = this.handshake + i;
      if (at < 12 && bytes[i] !== VERSION.charCodeAt(at)) throw new RfbProtocolError(`the client must speak ${VERSION.trim()}`);
      if (at === 12 && bytes[i] !== SECURITY_NONE) throw new RfbProtocolError('the client must choose security type None');
      if (at === 13) bytes[i] = 1;
    }
    this.handshake += take;
    this.pending = this.pending.subarray(take);
    out.forward.push(bytes);
  }
}
