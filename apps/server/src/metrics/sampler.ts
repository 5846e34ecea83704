import { hostSeries, type HostSample, type VmSample } from '@strata/contract';
import { seriesOf, vmRates, type RawCounters, type RunningVm, type VmRecord } from '@strata/core';
import type { History } from './history.js';
import type { MetricsHub } from './metrics-hub.js';
import { recordShareTotals } from './share-totals.js';

const seriesOfHost = (h: HostSample): [string, number][] => [
  [hostSeries.cpu, h.cpuPercent],
  [hostSeries.memUsed, h.memUsedBytes],
  [hostSeries.disk('read_bps'), h.disk.readBps],
  [hostSeries.disk('write_bps'), h.disk.writeBps],
];

export interface SamplerOptions {
  live(): { record: VmRecord; handle: RunningVm }[];
  hub: MetricsHub;
  history: History;
  intervalMs: number;
  hostSample(ts: number): HostSample | null;
  /** A round that fails (a damaged VM row) is said here; the next round tries again. */
  onError?(err: unknown): void;
}

/**
 * One sampler for all running VMs, every interval, whatever the number of viewers: counters from
 * each hypervisor become rates here. A VM whose process changed (a restart) starts over: its first
 * counters are a baseline, so a restart never shows as a negative rate or a spike.
 */
export function createSampler(opts: SamplerOptions) {
  const prev = new Map<string, { pid: number; ts: number; counters: RawCounters }>();
  const latest = new Map<string, VmSample>();
  let latestHost: HostSample | null = null;
  let lastMaintain = 0;
  let round: Promise<void> | null = null;
  let stopped = false;
  /** The sampler's own cost: CPU time of this process from the start to the end of each round. */
  const cost = { rounds: 0, cpuMicros: 0 };

  const sampleVm = async (record: VmRecord, handle: RunningVm) => {
    if (!handle.counters) return;
    const shares = record.shares.filter((s) => !s.pending).map((s) => ({ tag: s.tag, transport: s.transport }));
    const counters = await handle.counters(shares).catch(() => null);
    // Timed when read, not when asked: a busy guest can answer QMP seconds late, and bytes moved
    // meanwhile must land in the interval they moved in, at the rate they moved at.
    const ts = Date.now();
    if (!counters || stopped) return; // a round that outlives stop() never writes to a closed store
    const before = prev.get(record.id);
    prev.set(record.id, { pid: handle.pid, ts, counters });
    if (!before || before.pid !== handle.pid) return;
    const sample = vmRates(record.id, before.counters, counters, ts - before.ts, ts);
    if (!sample) return;
    latest.set(record.id, sample);
    opts.hub.publish({ type: 'vm', sample });
    opts.history.record(record.id, ts, seriesOf(sample));
    return { record, sample };
  };

  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    // A slow round is never stacked on another: a tick during one waits for it instead.
    round ??= runRound().finally(() => {
      round = null;
    });
    return round;
  };

  const runRound = async () => {
    const cpu = process.cpuUsage();
    try {
      const ts = Date.now();
      const host = opts.hostSample(ts);
      if (host) {
        latestHost = host;
        opts.hub.publish({ type: 'host', sample: host });
        opts.history.record('host', ts, seriesOfHost(host));
      }
      const entries = opts.live();
      for (const id of [...prev.keys()]) {
        if (!entries.some((e) => e.record.id === id)) {
          prev.delete(id);
          latest.delete(id);
        }
      }
      const sampled = await Promise.all(entries.map(({ record, handle }) => sampleVm(record, handle)));
      const done = sampled.filter((s) => s !== undefined);
      if (!stopped) recordShareTotals(opts.history, ts, done);
      if (ts - lastMaintain >= 60_000) {
        opts.history.maintain(ts);
        lastMaintain = ts;
      }
    } finally {
      const used = process.cpuUsage(cpu);
      cost.rounds++;
      cost.cpuMicros += used.user + used.system;
    }
  };

  const timer =
    opts.intervalMs > 0 ? setInterval(() => void tick().catch((err: unknown) => opts.onError?.(err)), opts.intervalMs) : undefined;
  return {
    tick,
    latest: () => [...latest.values()],
    latestHost: () => latestHost,
    /** Stops the timer and waits for a round in flight, so nothing is recorded after it resolves. */
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await round;
    },
    cost,
  };
}

export type Sampler = ReturnType<typeof createSampler>;
