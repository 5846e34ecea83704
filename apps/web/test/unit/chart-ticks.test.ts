import { describe, expect, it } from 'vitest';
import { formatTimeTick, formatValue, lastValue, TIME_INCREMENTS, yAxis } from '../../src/components/chart-ticks';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('yAxis', () => {
  it('gives an all-zero or empty chart 0 and one small round top, each labelled once', () => {
    for (const max of [0, null, undefined, Number.NaN]) {
      const a = yAxis(max, 'bytes/s');
      expect(a.ticks).toEqual([0, KiB]);
      expect(a.ticks.map((t) => formatValue('bytes/s', t))).toEqual(['0 B/s', '1 KiB/s']);
    }
    expect(yAxis(0, 'percent').ticks).toEqual([0, 10]);
    expect(yAxis(0, 'iops').ticks).toEqual([0, 10]);
  });

  it('steps byte axes in powers of two, labelled without odd digits', () => {
    const a = yAxis(900 * KiB, 'bytes/s');
    expect(a.step).toBe(256 * KiB);
    expect(a.ticks.map((t) => formatValue('bytes/s', t))).toEqual(['0 B/s', '256 KiB/s', '512 KiB/s', '768 KiB/s', '1 MiB/s']);
    // 1 000 000 B/s once gave a "977 KiB/s" tick.
    for (const t of yAxis(1_000_000, 'bytes/s').ticks) expect(t % (256 * KiB)).toBe(0);
  });

  it('leaves headroom above the peak, in at most the ticks asked for, each label distinct', () => {
    for (const peak of [3, 700, 1023, 1024, 5 * MiB, 954 * MiB, 3.7e12]) {
      const a = yAxis(peak, 'bytes/s', 4);
      expect(a.max).toBeGreaterThan(peak);
      expect(a.ticks.length - 1).toBeLessThanOrEqual(4);
      expect(a.ticks[0]).toBe(0);
      expect(new Set(a.ticks.map((t) => formatValue('bytes/s', t))).size).toBe(a.ticks.length);
    }
  });

  it('steps percentages, IOPS and latency in 1, 2, 5 × 10^k', () => {
    expect(yAxis(97, 'percent').ticks).toEqual([0, 50, 100, 150]);
    expect(yAxis(7, 'percent').ticks).toEqual([0, 2, 4, 6, 8]);
    expect(yAxis(0.3, 'percent').ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(yAxis(1234, 'iops').ticks).toEqual([0, 500, 1000, 1500]);
    expect(yAxis(0.2, 'iops').ticks).toEqual([0, 1]);
    expect(yAxis(0.45, 'ms').ticks.map((t) => formatValue('ms', t))).toEqual(['0 ms', '0.2 ms', '0.4 ms', '0.6 ms']);
  });

  it('handles huge values', () => {
    const a = yAxis(2 ** 45, 'bytes');
    expect(a.max).toBeGreaterThan(2 ** 45);
    expect(formatValue('bytes', a.max)).toMatch(/TiB$/);
  });
});

describe('formatValue', () => {
  it('uses as few digits as the value needs', () => {
    expect(formatValue('bytes/s', 1.5 * MiB)).toBe('1.5 MiB/s');
    expect(formatValue('bytes', 300 * MiB)).toBe('300 MiB');
    expect(formatValue('percent', 12.34)).toBe('12 %');
    expect(formatValue('ms', 0.4)).toBe('0.4 ms');
    expect(formatValue('ms', null)).toBe('—');
  });
});

describe('time axis', () => {
  it('never steps below a second', () => {
    expect(Math.min(...TIME_INCREMENTS)).toBe(1);
  });

  it('shows seconds only for sub-minute steps and dates only across days', () => {
    const t = new Date(2026, 10, 30, 14, 5, 30).getTime() / 1000;
    expect(formatTimeTick(t, 30, 300)).toBe('14:05:30');
    expect(formatTimeTick(t, 60, 3600)).toBe('14:05');
    expect(formatTimeTick(t, 6 * 3600, 7 * 86_400)).toMatch(/14:05$/);
    expect(formatTimeTick(t, 86_400, 7 * 86_400)).not.toMatch(/:/);
  });
});

describe('lastValue', () => {
  it('finds the newest real value', () => {
    expect(lastValue([1, 2, null])).toBe(2);
    expect(lastValue([null, null])).toBeNull();
    expect(lastValue([])).toBeNull();
  });
});
