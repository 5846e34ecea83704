import { shareHistoryKey, shareSeries, type VmSample } from '@strata/contract';
import type { VmRecord } from '@strata/core';
import type { History } from './history.js';

export interface ShareTotal {
  read: number;
  write: number;
  /** Some VM could not tell this share's bytes from its other 9p shares': the number covers those too. */
  inexact: boolean;
}

/**
 * Each share's throughput in one sampling round, summed over the VMs using it. The VM's mount tag
 * names the share in its sample; the attachment maps that tag to the share's id, which is what the
 * history is keyed by, so a later detach or a new tag does not orphan what was recorded.
 */
export function shareTotals(round: { record: VmRecord; sample: VmSample }[]): Map<string, ShareTotal> {
  const totals = new Map<string, ShareTotal>();
  for (const { record, sample } of round) {
    for (const s of sample.shares) {
      const shareId = record.shares.find((a) => a.tag === s.tag)?.shareId;
      if (!shareId) continue;
      const t = totals.get(shareId) ?? { read: 0, write: 0, inexact: false };
      totals.set(shareId, { read: t.read + s.readBps, write: t.write + s.writeBps, inexact: t.inexact || !s.exact });
    }
  }
  return totals;
}

export function recordShareTotals(history: History, ts: number, round: { record: VmRecord; sample: VmSample }[]): void {
  for (const [id, t] of shareTotals(round)) {
    history.record(shareHistoryKey(id), ts, [
      [shareSeries.read, t.read],
      [shareSeries.write, t.write],
      [shareSeries.inexact, t.inexact ? 1 : 0],
    ]);
  }
}
