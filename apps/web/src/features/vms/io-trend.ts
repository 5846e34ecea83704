import type { VmSample } from '@strata/contract';

export const TREND_MS = 5 * 60_000;

export const diskBps = (s: VmSample) => s.disks.reduce((sum, d) => sum + d.readBps + d.writeBps, 0);
export const shareBps = (s: VmSample) => s.shares.reduce((sum, x) => sum + x.readBps + x.writeBps, 0);

/**
 * A row's trend: the recorded points before the first streamed sample, then the stream, within
 * [from, ∞). History is stamped in whole seconds: the second of the first streamed sample is the stream's.
 */
export function trendPoints(
  history: [number, number][] | undefined,
  live: VmSample[],
  pick: (s: VmSample) => number,
  from: number,
): [number, number][] {
  const firstLive = live[0] ? Math.floor(live[0].ts / 1000) * 1000 : Infinity;
  return [
    ...(history ?? []).filter(([ts]) => ts >= from && ts < firstLive),
    ...live.filter((s) => s.ts >= from).map((s): [number, number] => [s.ts, pick(s)]),
  ];
}
