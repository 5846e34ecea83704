import { describe, expect, it } from 'vitest';
import type { Image, Vm, VmSample } from '@strata/contract';
import { bulkPlan } from '../../src/features/vms/bulk-plan';
import { diskBps, trendPoints } from '../../src/features/vms/io-trend';
import { historySeries, joinShareSeries, liveShareSeries } from '../../src/features/shares/share-series';

const sample = (vmId: string, ts: number, disk: number, shares: [string, number, number][] = []): VmSample => ({
  vmId,
  ts,
  intervalMs: 1000,
  cpu: [],
  rssBytes: 0,
  disks: [{ id: 'disk0', readBps: disk, writeBps: 1, readIops: 0, writeIops: 0, readLatencyMs: null, writeLatencyMs: null }],
  shares: shares.map(([tag, readBps, writeBps]) => ({ tag, transport: 'virtiofs', readBps, writeBps, method: 'm', exact: true })),
});

describe('a row trend: recorded seconds, then the stream', () => {
  it('keeps history before the first streamed second and inside the window, then the stream', () => {
    const history: [number, number][] = [
      [1000, 5],
      [10_000, 6],
      [11_000, 7],
      [12_000, 8],
    ];
    const live = [sample('a', 12_400, 9), sample('a', 13_400, 10)];
    expect(trendPoints(history, live, diskBps, 5000)).toEqual([
      [10_000, 6],
      [11_000, 7],
      [12_400, 10],
      [13_400, 11],
    ]);
    expect(trendPoints(history, [], diskBps, 0)).toEqual(history);
  });
});

describe("a share's chart series", () => {
  it('sums the VMs using a share, each under its own tag, per second', () => {
    const vms = new Map([
      ['a', [sample('a', 1000, 0, [['docs', 1, 2]]), sample('a', 2000, 0, [['docs', 3, 4]])]],
      [
        'b',
        [
          sample('b', 1010, 0, [
            ['data', 10, 20],
            ['docs', 99, 99],
          ]),
        ],
      ],
    ]);
    const share = {
      usedBy: [
        { vmId: 'a', tag: 'docs' },
        { vmId: 'b', tag: 'data' },
      ],
    } as Parameters<typeof liveShareSeries>[0];
    expect(liveShareSeries(share, vms)).toEqual({ xs: [1, 2], read: [11, 3], write: [22, 4] });
  });

  it('joins recorded points (ms) to live seconds without overlap', () => {
    const h = historySeries({
      read: [
        [1000, 1],
        [2000, 2],
        [3000, 3],
      ],
      write: [[2000, 20]],
    });
    expect(h).toEqual({ xs: [1, 2, 3], read: [1, 2, 3], write: [null, 20, null] });
    const joined = joinShareSeries(h, { xs: [3, 4], read: [30, 40], write: [0, 0] }, 2);
    expect(joined).toEqual({ xs: [2, 3, 4], read: [2, 30, 40], write: [20, 0, 0] });
  });
});

describe('bulkPlan', () => {
  const vm = (name: string, state: Vm['state']) => ({ id: name, name, state }) as Vm;
  const layer = (id: string, parentId: string | null, ownerVmId: string | null) => ({ id, name: id, parentId, ownerVmId }) as Image;

  it('acts on the VMs the action applies to and names the others with the reason', () => {
    const vms = [vm('a', 'running'), vm('b', 'stopped'), vm('c', 'paused'), vm('d', 'defined')];
    const names = (p: ReturnType<typeof bulkPlan>) => [p.act.map((v) => v.name), p.skip.map((s) => `${s.vm.name}: ${s.reason}`)];
    expect(names(bulkPlan('start', vms, []))).toEqual([
      ['b', 'd'],
      ['a: already running', 'c: already paused'],
    ]);
    expect(names(bulkPlan('stop', vms, []))[0]).toEqual(['a', 'c']);
    expect(names(bulkPlan('shutdown', vms, []))[0]).toEqual(['a']);
    const images = [layer('b-disk0', 'base', 'b'), layer('clone', 'b-disk0', null)];
    expect(names(bulkPlan('delete', vms, images))).toEqual([
      ['d'],
      ['a: running: stop it first', 'b: clone stands on its layer b-disk0', 'c: paused: stop it first'],
    ]);
  });
});
