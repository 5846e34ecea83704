import { createConnection, type Socket } from 'node:net';
import { silentLogger, type Logger } from '@strata/core';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

type Listener = (event: QmpEvent) => void;

/** Enough of a bad line to recognise it in a log, never a whole flood. */
const excerpt = (line: string) => (line.length > 200 ? `${line.slice(0, 200)}…` : line);

/**
 * A QMP connection: typed messages, an id → promise map, a timeout on every wait, every pending
 * call rejected on close, and event subscriptions that can be disposed. QEMU sends events
 * (SHUTDOWN, STOP, JOB_STATUS_CHANGE, ...) unasked on the same socket; each goes to every subscriber.
 */
export class QmpClient {
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private listeners = new Set<Listener>();
  private closeListeners = new Set<() => void>();
  private buffer = '';
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly log: Logger,
  ) {
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.handleClose());
    socket.on('error', (err) => this.log.warn({ err: err.message }, 'QMP socket error')); // 'close' follows and does the cleanup
  }

  /** Connects, waits for the greeting and negotiates capabilities; on any failure the socket is closed. */
  static async connect(path: string, options: { timeoutMs?: number; logger?: Logger } = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const socket = createConnection(path);
    socket.setEncoding('utf8');
    // Listening from the start: the greeting may arrive in the same read as the connection.
    const greeting = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no QMP greeting on ${path} within ${timeoutMs} ms`)), timeoutMs);
      socket.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error(`QMP socket ${path} closed before its greeting`));
      });
    });
    greeting.catch(() => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`QMP connect to ${path} timed out after ${timeoutMs} ms`)), timeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('error', (err) => {
          clearTimeout(timer);
          reject(new Error(`QMP connect to ${path} failed: ${err.message}`));
        });
      });
      const client = new QmpClient(socket, options.logger ?? silentLogger);
      await greeting;
      await client.execute('qmp_capabilities', undefined, timeoutMs);
      return client;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`QMP closed; cannot run ${command}`));
    const id = String(this.nextId++);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(`${JSON.stringify({ execute: command, arguments: args, id })}\n`);
    });
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(listener: () => void): () => void {
    if (this.closed) queueMicrotask(listener);
    else this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`QMP connection closed during ${p.command}`));
    }
    this.pending.clear();
    for (const l of this.closeListeners) l();
    this.closeListeners.clear();
    this.listeners.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.dispatch(line);
    }
  }

  private dispatch(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      this.log.warn(
        { line: excerpt(line), err: err instanceof Error ? err.message : String(err) },
        'QMP sent a line that is not JSON; skipped',
      );
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.log.warn({ line: excerpt(line) }, 'QMP sent a message that is not an object; skipped');
      return;
    }
    const message = parsed as Record<string, unknown>;
    if (typeof message.event === 'string') {
      for (const l of [...this.listeners]) {
        try {
          l(message as unknown as QmpEvent);
        } catch (err) {
          // One subscriber's bug must not starve the others or the replies after it.
          this.log.error({ event: message.event, err: err instanceof Error ? err.message : String(err) }, 'a QMP event subscriber threw');
        }
      }
      return;
    }
    if ('QMP' in message) return; // the greeting, already waited for by connect
    const id = message.id === undefined ? undefined : String(message.id);
    const pending = id ? this.pending.get(id) : undefined;
    if (!id || !pending) {
      // A reply after its call timed out, or a message of no known kind.
      this.log.warn(
        { line: excerpt(line) },
        id ? 'QMP reply to no waiting call; skipped' : 'QMP message with neither event nor id; skipped',
      );
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    const error = message.error as { class?: string; desc?: string } | undefined;
    if (error) pending.reject(new QmpError(error.class ?? 'GenericError', error.desc ?? 'QMP error'));
    else if (!('return' in message)) {
      this.log.warn({ line: excerpt(line) }, `QMP reply to ${pending.command} has neither return nor error`);
      pending.resolve(undefined);
    } else pending.resolve(message.return);
  }
}
