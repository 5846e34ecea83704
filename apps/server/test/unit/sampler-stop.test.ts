import { describe, expect, it, vi } from 'vitest';
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

describe('sampler timing', () => {
  it('times counters when they are read: a late answer moves its bytes to when they moved, at their rate', async () => {
    const samples: { ts: number; intervalMs: number; readBps: number }[] = [];
    const hub = new MetricsHub();
    hub.subscribe(
      {
        vms: null,
        host: false,
        send: (_id, event) => {
          if (event.type === 'vm')
            samples.push({ ts: event.sample.ts, intervalMs: event.sample.intervalMs, readBps: event.sample.disks[0]!.readBps });
        },
      },
      null,
    );
    const history = { record: () => undefined, maintain: () => undefined } as unknown as History;
    // The first answer comes at once; the second 300 ms after it was asked, with 3000 bytes more.
    const answers = [() => Promise.resolve(at(0)), () => new Promise<RawCounters>((r) => setTimeout(() => r(at(3000)), 300))];
    const record = { id: 'vm1', shares: [] } as unknown as VmRecord;
    const handle = { pid: 7, counters: () => answers.shift()!() } as unknown as RunningVm;
    const sampler = createSampler({ live: () => [{ record, handle }], hub, history, intervalMs: 0, hostSample: () => null });
    await sampler.tick();
    const firstReadAt = Date.now();
    await sampler.tick();
    await sampler.stop();
    expect(samples).toHaveLength(1);
    const [sample] = samples;
    expect(sample!.intervalMs).toBeGreaterThanOrEqual(290); // the 300 ms the answer took, not the moment the round began
    expect(sample!.ts - sample!.intervalMs).toBeLessThanOrEqual(firstReadAt);
    expect((sample!.readBps * sample!.intervalMs) / 1000).toBeCloseTo(3000, 0); // every byte, once
  });
});

describe('sampler errors', () => {
  it('says a failed round (a damaged VM row) and goes on with the next, never an unhandled rejection', async () => {
    const errors: unknown[] = [];
    const unhandled: unknown[] = [];
    const note = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', note);
    let rounds = 0;
    const sampler = createSampler({
      live: () => {
        rounds++;
        throw new Error('vms: the row of "x1" holds no record of that id and name');
      },
      hub: new MetricsHub(),
      history: { record: () => undefined, maintain: () => undefined } as unknown as History,
      intervalMs: 5,
      hostSample: () => null,
      onError: (err) => void errors.push(err),
    });
    try {
      await vi.waitFor(() => expect(rounds).toBeGreaterThanOrEqual(3));
      await sampler.stop();
      await new Promise((resolve) => setImmediate(resolve));
      expect(String(errors[0])).toMatch(/holds no record/);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', note);
    }
  });
});
