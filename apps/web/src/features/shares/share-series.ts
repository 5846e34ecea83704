import type { ShareMetrics, ShareView, VmSample } from '@strata/contract';

export interface ShareSeries {
  /** seconds since the epoch, as uPlot wants them */
  xs: number[];
  read: (number | null)[];
  write: (number | null)[];
}

/**
 * A share's live rates: each VM's sample for the tag it mounts the share under, summed per second
 * (one sampling round stamps every VM alike).
 */
export function liveShareSeries(share: Pick<ShareView, 'usedBy'>, vms: ReadonlyMap<string, VmSample[]>): ShareSeries {
  const byTs = new Map<number, { r: number; w: number }>();
  for (const u of share.usedBy) {
    for (const sample of vms.get(u.vmId) ?? []) {
      const x = sample.shares.find((s) => s.tag === u.tag);
      if (!x) continue;
      const second = Math.round(sample.ts / 1000);
      const cur = byTs.get(second) ?? { r: 0, w: 0 };
      byTs.set(second, { r: cur.r + x.readBps, w: cur.w + x.writeBps });
    }
  }
  const xs = [...byTs.keys()].sort((a, b) => a - b);
  return { xs, read: xs.map((x) => byTs.get(x)!.r), write: xs.map((x) => byTs.get(x)!.w) };
}

/** Recorded points as chart columns: read and write are recorded in the same round, but are joined on time all the same. */
export function historySeries(h: Pick<ShareMetrics, 'read' | 'write'> | undefined): ShareSeries {
  const xs = [...new Set([...(h?.read ?? []), ...(h?.write ?? [])].map(([t]) => t))].sort((a, b) => a - b);
  const at = (points: [number, number][]) => {
    const m = new Map(points);
    return xs.map((t) => m.get(t) ?? null);
  };
  return { xs: xs.map((t) => t / 1000), read: at(h?.read ?? []), write: at(h?.write ?? []) };
}

/** History from `fromSec` up to the first live second, then the live seconds: a live chart that opens full. */
export function joinShareSeries(history: ShareSeries, live: ShareSeries, fromSec: number): ShareSeries {
  const firstLive = live.xs[0] ?? Infinity;
  const out: ShareSeries = { xs: [], read: [], write: [] };
  history.xs.forEach((x, i) => {
    if (x < fromSec || x >= firstLive) return;
    out.xs.push(x);
    out.read.push(history.read[i] ?? null);
    out.write.push(history.write[i] ?? null);
  });
  live.xs.forEach((x, i) => {
    if (x < fromSec) return;
    out.xs.push(x);
    out.read.push(live.read[i] ?? null);
    out.write.push(live.write[i] ?? null);
  });
  return out;
}
