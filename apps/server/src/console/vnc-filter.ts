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

/**
 * Clipboard text is never buffered (it is dropped as it arrives), but a client sending more than
 * this is misbehaving: the bridge closes it rather than read megabytes for nothing.
 */
export const MAX_CUT_TEXT = 64 * 1024;

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

/** The most bytes messageLength reads to tell a message's length (ClientFence: 9). */
const LONGEST_HEADER = 12;

/**
 * Bytes received and not yet framed, as the chunks they came in plus a count: appending is O(1)
 * and a message is copied once, when whole. Re-concatenating on every frame made a message sent
 * as many tiny WebSocket frames quadratic.
 */
class ByteQueue {
  private chunks: Buffer[] = [];
  private first = 0;
  private offset = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` bytes (at most `length`), left in the queue; a view when one chunk holds them. */
  peek(n: number): Buffer {
    const size = Math.min(n, this.length);
    const head = this.chunks[this.first];
    if (head && head.length - this.offset >= size) return head.subarray(this.offset, this.offset + size);
    return this.copy(size);
  }

  private copy(size: number): Buffer {
    const out = Buffer.alloc(size);
    let filled = 0;
    for (let i = this.first, at = this.offset; filled < out.length; i++, at = 0) {
      filled += this.chunks[i]!.copy(out, filled, at);
    }
    return out;
  }

  /** A copy of the first `n` bytes (at most `length`), removed from the queue. */
  take(n: number): Buffer {
    const out = this.copy(Math.min(n, this.length));
    this.skip(out.length);
    return out;
  }

  skip(n: number): void {
    let left = Math.min(n, this.length);
    this.length -= left;
    while (left > 0) {
      const rest = this.chunks[this.first]!.length - this.offset;
      if (left < rest) {
        this.offset += left;
        return;
      }
      left -= rest;
      this.first++;
      this.offset = 0;
    }
    // Spent chunks go in batches, so a long run of tiny frames costs no array shifting per frame.
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 1024) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

/**
 * Feeds the client's byte stream through the handshake, then message by message. `mayControl` is
 * asked for every message, so a user demoted while connected stops at once. The handshake passes
 * as sent except ClientInit's shared flag, which is forced on: an exclusive client would make
 * QEMU disconnect everyone else. A message that will be dropped is skipped as its bytes arrive,
 * never buffered.
 */
export class RfbClientFilter {
  private pending = new ByteQueue();
  private handshake = 0;
  /** Bytes of a dropped message still to come. */
  private skipping = 0;
  /** The length of the message at the head, once its header has been read. */
  private awaiting: number | null = null;

  constructor(private readonly mayControl: () => boolean) {}

  /** Bytes held for a message not yet whole: bounded by the longest message that is passed on. */
  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): FilterResult {
    this.pending.push(chunk);
    const out: FilterResult = { forward: [], dropped: [] };
    if (this.handshake < HANDSHAKE_BYTES) this.takeHandshake(out);
    while (this.handshake >= HANDSHAKE_BYTES && this.pending.length > 0) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, this.pending.length);
        this.pending.skip(n);
        this.skipping -= n;
        continue;
      }
      if (this.awaiting === null) {
        const header = this.pending.peek(LONGEST_HEADER);
        const length = messageLength(header);
        if (length === null) break;
        const type = header[0]!;
        // Clipboard text is always dropped: QEMU hands it to no guest without a clipboard agent,
        // which Strata does not configure.
        if (type === RFB.clientCutText || !(WATCH_ONLY.has(type) || this.mayControl())) {
          out.dropped.push(type);
          this.skipping = length;
          continue;
        }
        this.awaiting = length;
      }
      if (this.pending.length < this.awaiting) break;
      out.forward.push(this.pending.take(this.awaiting));
      this.awaiting = null;
    }
    return out;
  }

  private takeHandshake(out: FilterResult): void {
    const bytes = this.pending.take(HANDSHAKE_BYTES - this.handshake);
    for (let i = 0; i < bytes.length; i++) {
      const at = this.handshake + i;
      if (at < 12 && bytes[i] !== VERSION.charCodeAt(at)) throw new RfbProtocolError(`the client must speak ${VERSION.trim()}`);
      if (at === 12 && bytes[i] !== SECURITY_NONE) throw new RfbProtocolError('the client must choose security type None');
      if (at === 13) bytes[i] = 1;
    }
    this.handshake += bytes.length;
    if (bytes.length > 0) out.forward.push(bytes);
  }
}
