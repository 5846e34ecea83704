/** A fixed-window counter of failures per key (client address), for the login route. */
export class FailureLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly max: number, private readonly windowMs: number) {}

  /** Seconds to wait if `key` is over its limit now, else 0. */
  retryAfter(key: string, now = Date.now()): number {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) return 0;
    return w.count >= this.max ? Math.ceil((w.start + this.windowMs - now) / 1000) : 0;
  }

  fail(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) this.windows.set(key, { start: now, count: 1 });
    else w.count++;
    if (this.windows.size > 10_000) this.windows.clear(); // bounded memory under a spray of addresses
  }

  reset(key: string): void {
    this.windows.delete(key);
  }
}
