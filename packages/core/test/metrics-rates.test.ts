import { describe, expect, it } from 'vitest';
import { seriesOf, vmRates, type RawCounters } from '../src/metrics-rates.js';

const counters = (over: Partial<RawCounters> = {}): RawCounters => ({
  cpu: [{ index: 0, ticks: 0 }],
  rssBytes: 1000,
  disks: [{ id: 'disk0', rdBytes: 0, wrBytes: 0, rdOps: 0, wrOps: 0, rdTimeNs: 0, wrTimeNs: 0 }],
  shares: [{ tag: 'fs', transport: 'virtiofs', rBytes: 0, wBytes: 0, method: 'm', exact: true }],
  ...over,
});

describe('rates from counters', () => {
  it('turns counter deltas into per-second rates, IOPS and mean latency', () => {
    const next = counters({
      cpu: [{ index: 0, ticks: 50 }],
      disks: [{ id: 'disk0', rdBytes: 1048576, wrBytes: 4194304, rdOps: 4, wrOps: 8, rdTimeNs: 8e6, wrTimeNs: 4e6 }],
      shares: [{ tag: 'fs', transport: 'virtiofs', rBytes: 0, wBytes: 2097152, method: 'm', exact: true }],
    });
    const s = vmRates('v', counters(), next, 2000, 5)!;
    expect(s.disks[0]).toEqual({
      id: 'disk0',
      readBps: 524288,
      writeBps: 2097152,
      readIops: 2,
      writeIops: 4,
      readLatencyMs: 2,
      writeLatencyMs: 0.5,
    });
    expect(s.cpu).toEqual([{ index: 0, percent: 25 }]);
    expect(s.shares[0]).toMatchObject({ tag: 'fs', writeBps: 1048576, readBps: 0 });
    expect(seriesOf(s)).toContainEqual(['disk.disk0.write_bps', 2097152]);
  });

  it('never gives a negative rate or a spike when a counter goes back (a restart)', () => {
    const before = counters({
      disks: [{ id: 'disk0', rdBytes: 9e9, wrBytes: 9e9, rdOps: 9e6, wrOps: 9e6, rdTimeNs: 9e12, wrTimeNs: 9e12 }],
      cpu: [{ index: 0, ticks: 9e6 }],
    });
    const s = vmRates('v', before, counters(), 1000, 1)!;
    expect(s.disks[0]).toMatchObject({ readBps: 0, writeBps: 0, readIops: 0, writeIops: 0, readLatencyMs: null });
    expect(s.cpu[0]!.percent).toBe(0);
  });

  it('reads a busy/total pair (UML /proc/stat) as the busy share, and needs two samples', () => {
    const s = vmRates(
      'u',
      counters({ cpu: [{ index: 0, ticks: 100, totalTicks: 1000 }] }),
      counters({ cpu: [{ index: 0, ticks: 160, totalTicks: 1100 }] }),
      1000,
      1,
    )!;
    expect(s.cpu[0]!.percent).toBeCloseTo(60);
    expect(vmRates('u', null, counters(), 1000, 1)).toBeNull();
  });
});
