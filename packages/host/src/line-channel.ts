import type { Duplex } from 'node:stream';

/**
 * A request/reply protocol of one line each way, as the default guest's agent speaks it:
 * requests `<id> <words...>`, replies `ok <id>[ <payload>]` or `err <id> <message>`. The guest
 * writes every byte that arrives here, so lines are bounded, decoded as latin1 (no UTF-8 surprises
 * in lengths), and anything that is not a reply fails the calls it could have answered.
 */
export interface LineReply {
  ok: boolean;
  payload: string;
}

export interface LineCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface LineChannelOptions {
  /** A longer line fails every pending call (default 1 MiB). */
  maxLineBytes?: number;
  /** How often the channel asks `0 ping` until the other side answers (default 1000 ms). */
  probeMs?: number;
  /** Why the other side is gone when the stream closes, e.g. "QEMU exited" (default "its channel closed"). */
  closeReason?: () => string;
}

interface Pending {
  resolve(reply: LineReply): void;
  reject(err: Error): void;
  cleanup(): void;
}

export const MAX_LINE_BYTES = 1024 * 1024;
/** The id the channel's own readiness probe uses; calls count from 1. */
const PROBE_ID = 0;
const REPLY = /^(ok|err) (\d{1,9})(?: (.*))?$/s;
const HELLO = /^hello(?: .*)?$/;

/** Enough of a bad line to recognise it, printable only. */
const excerpt = (line: string) => {
  const printable = line.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
};

/**
 * Lines over a byte stream, matched to calls by id. Calls wait until the other side is known to
 * listen: it says `hello` when it opens its end, or answers the probe `0 ping` (a reattached
 * channel, whose hello was said long ago). Before that, lines that are no reply are ignored: a
 * serial line may echo what arrived before its agent turned echo off. A reply to a call that
 * timed out is dropped. The channel ends with the stream, or when `fail` names why.
 */
export class LineChannel {
  private nextId = PROBE_ID + 1;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: (() => void)[] = [];
  private ready = false;
  private failure: Error | null = null;
  /** The line so far, in one buffer that doubles as it fills: a line that trickles in a byte per
   * packet must not cost a Buffer object per byte (80,000 of them for a 1 MB line). */
  private partial: Buffer = Buffer.alloc(0);
  private buffered = 0;
  private discarding = false;
  private readonly maxLine: number;
  private readonly probe: NodeJS.Timeout;

  constructor(
    private readonly stream: Duplex,
    options: LineChannelOptions = {},
  ) {
    this.maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('error', (err: Error) => this.fail(`its channel failed: ${err.message}`));
    // End-of-file is as final as a close: whoever held the other end has let go of it.
    const gone = () => this.fail(options.closeReason?.() ?? 'its channel closed');
    stream.on('end', gone);
    stream.on('close', gone);
    this.probe = setInterval(() => this.send(`${PROBE_ID} ping\n`), options.probeMs ?? 1000);
    this.probe.unref();
    this.send(`${PROBE_ID} ping\n`);
  }

  /** Sends the line `make(id)` returns (without its newline) and resolves with the reply to that id. */
  call(make: (id: number) => string, options: LineCallOptions): Promise<LineReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (options.signal?.aborted) return Promise.reject(new Error('the call to the guest agent was cancelled'));
    const id = this.nextId++;
    const line = `${make(id)}\n`;
    return new Promise<LineReply>((resolve, reject) => {
      let sent = false;
      const onAbort = () => settle(new Error('the call to the guest agent was cancelled'));
      const timer = setTimeout(() => {
        const why = sent ? `did not answer within ${options.timeoutMs} ms` : `was not listening within ${options.timeoutMs} ms`;
        settle(new Error(`the guest's agent ${why}`));
      }, options.timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const settle = (err: Error) => {
        cleanup();
        reject(err);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { resolve: (r) => (cleanup(), resolve(r)), reject: settle, cleanup });
      const go = () => {
        if (!this.pending.has(id)) return;
        sent = true;
        this.send(line);
      };
      if (this.ready) go();
      else this.waiting.push(go);
    });
  }

  /** Fails every pending call, and every later one, with `the guest stopped answering: <reason>`. */
  fail(reason: string): void {
    if (this.failure) return;
    this.failure = new Error(`the guest stopped answering: ${reason}`);
    clearInterval(this.probe);
    this.waiting.length = 0;
    for (const p of [...this.pending.values()]) p.reject(this.failure);
    this.stream.destroy();
  }

  /** Lets go of the stream without failing anything that could still be asked of a later channel. */
  close(): void {
    this.fail('the channel was closed by the server');
  }

  private send(line: string): void {
    if (this.failure || this.stream.destroyed) return;
    this.stream.write(line, 'latin1');
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, nl));
      const line = this.discarding ? null : this.partial.toString('latin1', 0, this.buffered);
      this.partial = Buffer.alloc(0);
      this.buffered = 0;
      this.discarding = false;
      if (line !== null) this.handle(line.replace(/\r$/, ''));
      start = nl + 1;
      if (this.failure) return;
    }
    this.append(chunk.subarray(start));
  }

  private append(part: Buffer): void {
    if (this.discarding || part.length === 0) return;
    const need = this.buffered + part.length;
    if (need > this.maxLine) {
      this.partial = Buffer.alloc(0);
      this.buffered = 0;
      this.discarding = true;
      this.rejectAll(new Error(`the guest's agent sent a line longer than ${this.maxLine} bytes`));
      return;
    }
    if (need > this.partial.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxLine, Math.max(need, 256, this.partial.length * 2)));
      this.partial.copy(grown, 0, 0, this.buffered);
      this.partial = grown;
    }
    part.copy(this.partial, this.buffered);
    this.buffered = need;
  }

  /** Bytes held for the unfinished line (its buffer's size), for tests of the memory bound. */
  get heldBytes(): number {
    return this.partial.length;
  }

  private handle(line: string): void {
    if (line === '') return;
    const m = REPLY.exec(line);
    if (!m) {
      if (this.ready && !HELLO.test(line)) this.rejectAll(new Error(`the guest's agent answered garbage: ${excerpt(line)}`));
      else if (HELLO.test(line)) this.markReady();
      return;
    }
    const id = Number(m[2]);
    if (id === PROBE_ID) return this.markReady();
    this.pending.get(id)?.resolve({ ok: m[1] === 'ok', payload: m[3] ?? '' });
  }

  private markReady(): void {
    if (this.ready) return;
    this.ready = true;
    clearInterval(this.probe);
    for (const go of this.waiting.splice(0)) go();
  }

  private rejectAll(err: Error): void {
    for (const p of [...this.pending.values()]) p.reject(err);
  }
}
