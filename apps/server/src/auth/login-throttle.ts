import { isIPv6 } from 'node:net';

export interface ThrottleLimits {
  /** Failures a key may have before each further attempt must wait. */
  free: number;
  /** The first wait; it doubles with every further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface LoginThrottleOptions {
  perAddress: ThrottleLimits;
  perAccount: ThrottleLimits;
  /** Failures from everyone together within `globalWindowMs` before all password logins wait. */
  globalCeiling: number;
  globalWindowMs: number;
  /** Keys kept at most; the oldest are forgotten first (the account and global limits still hold). */
  maxKeys?: number;
}

const DEFAULT_THROTTLE: LoginThrottleOptions = {
  perAddress: { free: 5, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000 },
  perAccount: { free: 10, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000 },
  globalCeiling: 100,
  globalWindowMs: 60_000,
};

interface Entry {
  failures: number;
  last: number;
}

/**
 * An IPv6 client controls its whole /64 (and loopback is one machine whatever the address), so
 * those count as one address: otherwise each of 2^64 (or 2^24 loopback) addresses gets a budget.
 */
export function addressKey(ip: string): string {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (v4.startsWith('127.') || v4 === '::1') return 'loopback';
  if (!isIPv6(v4)) return v4;
  const groups = expandIPv6(v4);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

const delayOf = (limits: ThrottleLimits, failures: number): number =>
  failures < limits.free ? 0 : Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** (failures - limits.free));

/**
 * Failed logins counted per address, per account and for the whole server, with delays that
 * double past a free allowance: many addresses against one account, one address against many
 * accounts, and many of both all run into a limit. A success clears its address and account.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private global = { start: 0, count: 0 };

  constructor(private readonly options: LoginThrottleOptions = DEFAULT_THROTTLE) {}

  /** Milliseconds before this address may try this account again; 0 when it may now. */
  waitMs(ip: string, username: string, now = Date.now()): number {
    const waits = [
      this.wait(`addr:${addressKey(ip)}`, this.options.perAddress, now),
      this.wait(`user:${username.toLowerCase()}`, this.options.perAccount, now),
    ];
    if (now - this.global.start < this.options.globalWindowMs && this.global.count >= this.options.globalCeiling) {
      waits.push(this.global.start + this.options.globalWindowMs - now);
    }
    return Math.max(0, ...waits);
  }

  fail(ip: string, username: string, now = Date.now()): void {
    for (const key of [`addr:${addressKey(ip)}`, `user:${username.toLowerCase()}`]) {
      const entry = this.entries.get(key);
      this.entries.delete(key); // re-inserted last: the map's order is least recently failed first
      this.entries.set(key, { failures: (entry?.failures ?? 0) + 1, last: now });
    }
    if (now - this.global.start >= this.options.globalWindowMs) this.global = { start: now, count: 0 };
    this.global.count++;
    const max = this.options.maxKeys ?? 100_000;
    for (const key of this.entries.keys()) {
      if (this.entries.size <= max) break;
      this.entries.delete(key);
    }
  }

  succeed(ip: string, username: string): void {
    this.entries.delete(`addr:${addressKey(ip)}`);
    this.entries.delete(`user:${username.toLowerCase()}`);
  }

  private wait(key: string, limits: ThrottleLimits, now: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    // Quiet for the longest delay: the key starts afresh.
    if (now - entry.last >= limits.maxDelayMs) {
      this.entries.delete(key);
      return 0;
    }
    return Math.max(0, entry.last + delayOf(limits, entry.failures) - now);
  }
}
