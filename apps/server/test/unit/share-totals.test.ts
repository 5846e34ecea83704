import { describe, expect, it } from 'vitest';
import type { VmSample } from '@strata/contract';
import type { VmRecord } from '@strata/core';
import { shareTotals } from '../../src/metrics/share-totals.js';

const vm = (id: string, shares: [tag: string, shareId: string][]) =>
  ({ id, shares: shares.map(([tag, shareId]) => ({ tag, shareId })) }) as unknown as VmRecord;
const sample = (vmId: string, shares: [tag: string, read: number, write: number, exact?: boolean][]): VmSample => ({
  vmId,
  ts: 0,
  intervalMs: 1000,
  cpu: [],
  rssBytes: 0,
  disks: [],
  shares: shares.map(([tag, readBps, writeBps, exact = true]) => ({ tag, transport: 'virtiofs', readBps, writeBps, method: 'm', exact })),
});

describe('shareTotals', () => {
  it('sums one share over the VMs that mount it, whatever tag each gave it', () => {
    const totals = shareTotals([
      { record: vm('a', [['docs', 's1']]), sample: sample('a', [['docs', 10, 100]]) },
      {
        record: vm('b', [
          ['data', 's1'],
          ['other', 's2'],
        ]),
        sample: sample('b', [
          ['data', 5, 50],
          ['other', 1, 2],
        ]),
      },
    ]);
    expect(totals.get('s1')).toEqual({ read: 15, write: 150, inexact: false });
    expect(totals.get('s2')).toEqual({ read: 1, write: 2, inexact: false });
  });

  it('skips a tag no attachment names (detached during the round) and flags numbers that cover other 9p shares', () => {
    const totals = shareTotals([
      {
        record: vm('a', [['nine', 's1']]),
        sample: sample('a', [
          ['nine', 1, 2, false],
          ['gone', 7, 7],
        ]),
      },
    ]);
    expect([...totals.keys()]).toEqual(['s1']);
    expect(totals.get('s1')!.inexact).toBe(true);
  });
});
