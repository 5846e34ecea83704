import { describe, expect, it } from 'vitest';
import { addressKey, LoginThrottle } from '../../src/auth/login-throttle.js';

describe('the login throttle', () => {
  const limits = { free: 3, baseDelayMs: 1000, maxDelayMs: 60_000 };
  const make = () =>
    new LoginThrottle({ perAddress: limits, perAccount: { ...limits, free: 5 }, globalCeiling: 20, globalWindowMs: 60_000 });

  it('lets the free failures through, then doubles the wait with every further failure', () => {
    const t = make();
    const at = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(t.waitMs('10.0.0.1', 'admin', at)).toBe(0);
      t.fail('10.0.0.1', 'admin', at);
    }
    expect(t.waitMs('10.0.0.1', 'admin', at)).toBe(1000);
    t.fail('10.0.0.1', 'admin', at + 1000);
    expect(t.waitMs('10.0.0.1', 'admin', at + 1000)).toBe(2000);
    t.fail('10.0.0.1', 'admin', at + 3000);
    expect(t.waitMs('10.0.0.1', 'admin', at + 3000)).toBe(4000);
    expect(t.waitMs('10.0.0.1', 'admin', at + 7000)).toBe(0);
  });

  it('counts one account across many addresses, and one address across many accounts', () => {
    const t = make();
    for (let i = 0; i < 5; i++) t.fail(`10.1.0.${i}`, 'Admin', 0);
    expect(t.waitMs('10.1.0.99', 'admin', 0)).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) t.fail('10.2.0.1', `user${i}`, 0);
    expect(t.waitMs('10.2.0.1', 'someone-else', 0)).toBeGreaterThan(0);
    expect(t.waitMs('10.3.0.1', 'someone-else', 0)).toBe(0);
  });

  it('has a ceiling for everyone together', () => {
    const t = make();
    for (let i = 0; i < 20; i++) t.fail(`10.4.${i}.1`, `u${i}`, 0);
    expect(t.waitMs('10.9.9.9', 'fresh', 10)).toBe(59_990);
    expect(t.waitMs('10.9.9.9', 'fresh', 60_000)).toBe(0);
  });

  it('a success clears its address and account', () => {
    const t = make();
    for (let i = 0; i < 3; i++) t.fail('10.5.0.1', 'admin', 0);
    t.succeed('10.5.0.1', 'admin');
    expect(t.waitMs('10.5.0.1', 'admin', 0)).toBe(0);
  });

  it('takes loopback as one client and an IPv6 /64 as one address', () => {
    expect(addressKey('127.0.0.3')).toBe(addressKey('127.200.1.1'));
    expect(addressKey('::ffff:127.0.0.9')).toBe('loopback');
    expect(addressKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2::ffff'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
  });

  it('stays bounded under a spray of addresses and names', () => {
    const t = new LoginThrottle({ perAddress: limits, perAccount: limits, globalCeiling: 1e9, globalWindowMs: 1, maxKeys: 1000 });
    for (let i = 0; i < 5000; i++) t.fail(`10.${(i >> 8) & 255}.${i & 255}.1`, `name-${i}`, i);
    expect((t as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(1000);
  });
});
