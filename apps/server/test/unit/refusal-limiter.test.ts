import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditInput } from '../../src/audit/audit-log.js';
import { REFUSALS_PER_MINUTE, RefusalLimiter } from '../../src/audit/refusal-limiter.js';

afterEach(() => {
  vi.useRealTimers();
});

const refusal = (user: string): AuditInput => ({ action: 'vm.delete', user, via: 'session', address: '127.0.0.9', status: 403 });

describe('refused-request limiter', () => {
  it('writes 30 refusals a minute per user, then one summary when the minute ends', () => {
    vi.useFakeTimers();
    const written: AuditInput[] = [];
    const limiter = new RefusalLimiter((e) => written.push(e));
    for (let i = 0; i < 100; i++) limiter.offer('vic', refusal('vic'));
    for (let i = 0; i < 5; i++) limiter.offer('ann', refusal('ann'));
    expect(written.filter((e) => e.user === 'vic')).toHaveLength(REFUSALS_PER_MINUTE);
    expect(written.filter((e) => e.user === 'ann')).toHaveLength(5);
    vi.advanceTimersByTime(60_000);
    expect(written.at(-1)).toEqual({
      action: 'requests.refused',
      user: 'vic',
      via: 'session',
      address: '127.0.0.9',
      parameters: { count: 70, summary: '70 more refused requests from vic in the last minute' },
    });
    // A new minute starts afresh.
    const before = written.length;
    limiter.offer('vic', refusal('vic'));
    expect(written).toHaveLength(before + 1);
    expect(written.at(-1)!.action).toBe('vm.delete');
  });

  it('writes what is pending when the server stops, and nothing for a user under the limit', () => {
    const written: AuditInput[] = [];
    const limiter = new RefusalLimiter((e) => written.push(e));
    for (let i = 0; i < REFUSALS_PER_MINUTE + 2; i++) limiter.offer('vic', refusal('vic'));
    limiter.offer('ann', refusal('ann'));
    limiter.flush();
    expect(written.filter((e) => e.action === 'requests.refused')).toEqual([
      expect.objectContaining({ user: 'vic', parameters: expect.objectContaining({ count: 2 }) }),
    ]);
    limiter.flush();
    expect(written.filter((e) => e.action === 'requests.refused')).toHaveLength(1);
  });
});
