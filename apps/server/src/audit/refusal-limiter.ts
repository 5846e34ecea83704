import type { AuditInput } from './audit-log.js';

/** Refused requests recorded per user and minute; beyond, one summary says how many more came. */
export const REFUSALS_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

interface Window {
  started: number;
  count: number;
  more: number;
  address: string | undefined;
  via: AuditInput['via'];
  timer?: NodeJS.Timeout;
}

/**
 * Keeps a caller's refused requests (a viewer's deletes, bad input) from filling the append-only
 * log: the first REFUSALS_PER_MINUTE of each minute are written as they come, the rest are counted
 * and written as one entry when the minute ends (or the server stops).
 */
export class RefusalLimiter {
  private windows = new Map<string, Window>();

  constructor(
    private readonly write: (entry: AuditInput) => void,
    private readonly now: () => number = Date.now,
  ) {}

  offer(user: string, entry: AuditInput): void {
    let w = this.windows.get(user);
    if (w && this.now() - w.started >= WINDOW_MS) {
      this.close(user, w);
      w = undefined;
    }
    if (!w) {
      w = { started: this.now(), count: 0, more: 0, address: entry.address, via: entry.via };
      this.windows.set(user, w);
    }
    if (w.count < REFUSALS_PER_MINUTE) {
      w.count++;
      this.write(entry);
      return;
    }
    w.more++;
    w.address = entry.address;
    const window = w;
    w.timer ??= setTimeout(() => this.close(user, window), WINDOW_MS - (this.now() - w.started)).unref();
  }

  /** Writes every pending summary now: the server is stopping. */
  flush(): void {
    for (const [user, w] of [...this.windows]) this.close(user, w);
  }

  private close(user: string, w: Window): void {
    clearTimeout(w.timer);
    if (this.windows.get(user) === w) this.windows.delete(user);
    if (w.more === 0) return;
    this.write({
      action: 'requests.refused',
      user,
      via: w.via,
      address: w.address,
      parameters: { count: w.more, summary: `${w.more} more refused requests from ${user} in the last minute` },
    });
  }
}
