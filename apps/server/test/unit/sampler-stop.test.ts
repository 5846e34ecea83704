import { describe, expect, it } from 'vitest';
import type { RawCounters, RunningVm, VmRecord } from '@strata/core';
import { createSampler } from '../../src/metrics/sampler.js';
import { MetricsHub } from '../../src/metrics/metrics-hub.js';
import type { History } from '../../src/metrics/history.js';

// Pure logic: the sampler must never write to the store after stop() resolves (the server closes
// its database right after), even when a VM's counters arrive late.
const at = (ticks: number): RawCounters => ({
  cpu: [{ index: 0, ticks }],
  rssBytes: 1 << 20,
  shares: [],
  disks: [{ id: 'd0', rdBytes: ticks, wrBytes: ticks, rdOps: 1, wrOps: 1, rdTimeNs: 0, wrTimeNs: 0 }],
});

describe('sampler stop', () => {
  it('waits for a round in flight and records nothing after it resolves', async () => {
    const writes: string[] = [];
    let closed = false;
    const history = {
      record: (id: string) => {
        if (closed) throw new Error('The database connection is not open');
        writes.push(id);
      },
      maintain: () => {
        if (closed) throw new Error('closed');
      },
    } as unknown as History;
    let release: (c: RawCounters) => void = () => {};
    let calls = 0;
    const counters = (): Promise<RawCounters> => {
      calls++;
      return calls === 1
        ? Promise.resolve(at(0))
        : new Promise((resolve) => {
            release = resolve;
          });
    };
    const record = { id: 'vm1', shares: [] } as unknown as VmRecord;
    const handle = { pid: 7, counters } as unknown as RunningVm;
    const sampler = createSampler({
      live: () => [{ record, handle }],
      hub: new MetricsHub(),
      history,
      intervalMs: 0,
      hostSample: () => null,
    });
    await sampler.tick(); // the baseline
    const inFlight = sampler.tick();
    const stopped = sampler.stop().then(() => {
      closed = true;
    });
    let stopResolved = false;
    void stopped.then(() => {
      stopResolved = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopResolved).toBe(false); // stop waits for the round whose counters are still out
    release(at(100));
    await expect(inFlight).resolves.toBeUndefined();
    await stopped;
    await sampler.tick(); // after stop: a no-op, never a write to the closed store
    expect(closed).toBe(true);
    expect(writes).toEqual([]); // the late round saw stop() and kept its sample to itself
  });
});
