import { describe, expect, it } from 'vitest';
import { PoolIoTotal } from '../src/pool-io.js';

describe("the worker pool's I/O total", () => {
  it('keeps the count of a worker that exited, so the total never goes down', () => {
    const pool = new PoolIoTotal();
    expect(pool.update([{ tid: 10, r: 100, w: 5 }])).toEqual({ r: 100, w: 5 });
    expect(
      pool.update([
        { tid: 10, r: 300, w: 5 },
        { tid: 11, r: 50, w: 0 },
      ]),
    ).toEqual({ r: 350, w: 5 });
    // Both idle workers leave and a new one does the next cell's reads.
    expect(pool.update([{ tid: 12, r: 40, w: 0 }])).toEqual({ r: 390, w: 5 });
    expect(pool.update([])).toEqual({ r: 390, w: 5 });
  });

  it('counts a thread id reused by a new worker as a new thread', () => {
    const pool = new PoolIoTotal();
    pool.update([{ tid: 7, r: 1000, w: 10 }]);
    expect(pool.update([{ tid: 7, r: 20, w: 0 }])).toEqual({ r: 1020, w: 10 });
    expect(pool.update([{ tid: 7, r: 30, w: 1 }])).toEqual({ r: 1030, w: 11 });
  });
});
