import { vmSeries, type ShareSample, type VmSample } from '@strata/contract';

/** Monotonic counters a hypervisor exposes; the sampler turns two of them into rates. */
export interface RawCounters {
  /** Clock ticks of CPU time per vCPU (UML: its one CPU); `busyOf` gives busy and total ticks when only a share is known. */
  cpu: { index: number; ticks: number; totalTicks?: number }[];
  rssBytes: number;
  disks: { id: string; rdBytes: number; wrBytes: number; rdOps: number; wrOps: number; rdTimeNs: number; wrTimeNs: number }[];
  shares: { tag: string; transport: string; rBytes: number; wBytes: number; method: string; exact: boolean }[];
}

const CLOCK_TICKS = 100;

/** A counter that went down was reset (the process restarted): no rate, never a negative one or a spike. */
const delta = (prev: number | undefined, cur: number): number | null => (prev === undefined || cur < prev ? null : cur - prev);

export function vmRates(vmId: string, prev: RawCounters | null, cur: RawCounters, dtMs: number, ts: number): VmSample | null {
  if (!prev || dtMs <= 0) return null;
  const dt = dtMs / 1000;
  const perSec = (d: number | null) => (d === null ? 0 : d / dt);
  const cpu = cur.cpu.map((c) => {
    const p = prev.cpu.find((x) => x.index === c.index);
    if (c.totalTicks !== undefined) {
      // A busy/total pair (UML's own /proc/stat): the share of the interval that was busy.
      const busy = delta(p?.ticks, c.ticks);
      const total = delta(p?.totalTicks, c.totalTicks);
      return { index: c.index, percent: busy === null || !total ? 0 : Math.min(100, (100 * busy) / total) };
    }
    const d = delta(p?.ticks, c.ticks);
    return { index: c.index, percent: d === null ? 0 : Math.min(100, (100 * d) / CLOCK_TICKS / dt) };
  });
  const disks = cur.disks.map((d) => {
    const p = prev.disks.find((x) => x.id === d.id);
    const rdOps = delta(p?.rdOps, d.rdOps);
    const wrOps = delta(p?.wrOps, d.wrOps);
    const rdTime = delta(p?.rdTimeNs, d.rdTimeNs);
    const wrTime = delta(p?.wrTimeNs, d.wrTimeNs);
    return {
      id: d.id,
      readBps: perSec(delta(p?.rdBytes, d.rdBytes)),
      writeBps: perSec(delta(p?.wrBytes, d.wrBytes)),
      readIops: perSec(rdOps),
      writeIops: perSec(wrOps),
      readLatencyMs: rdOps && rdTime !== null ? rdTime / rdOps / 1e6 : null,
      writeLatencyMs: wrOps && wrTime !== null ? wrTime / wrOps / 1e6 : null,
    };
  });
  const shares: ShareSample[] = cur.shares.map((s) => {
    const p = prev.shares.find((x) => x.tag === s.tag);
    return {
      tag: s.tag,
      transport: s.transport,
      readBps: perSec(delta(p?.rBytes, s.rBytes)),
      writeBps: perSec(delta(p?.wBytes, s.wBytes)),
      method: s.method,
      exact: s.exact,
    };
  });
  return { vmId, ts, intervalMs: dtMs, cpu, rssBytes: cur.rssBytes, disks, shares };
}

/** One sample as named series, for history and Prometheus. */
export function seriesOf(s: VmSample): [string, number][] {
  return [
    [vmSeries.rss, s.rssBytes],
    ...s.cpu.map((c): [string, number] => [vmSeries.cpu(c.index), c.percent]),
    ...s.disks.flatMap((d): [string, number][] => [
      [vmSeries.disk(d.id, 'read_bps'), d.readBps],
      [vmSeries.disk(d.id, 'write_bps'), d.writeBps],
      [vmSeries.disk(d.id, 'read_iops'), d.readIops],
      [vmSeries.disk(d.id, 'write_iops'), d.writeIops],
    ]),
    ...s.shares.flatMap((x): [string, number][] => [
      [vmSeries.share(x.tag, 'read_bps'), x.readBps],
      [vmSeries.share(x.tag, 'write_bps'), x.writeBps],
    ]),
  ];
}
