import { describe, expect, it } from 'vitest';
import { parseFio } from '../src/bench-fio.js';

describe("parseFio on a hostile guest's report", () => {
  it('answers a clear cell error for a 500,000-deep error value instead of throwing', () => {
    const depth = 500_000;
    const raw: unknown = JSON.parse(`{"jobs":[{"error":${'['.repeat(depth)}${']'.repeat(depth)}}]}`);
    expect(parseFio(raw, 'read')).toEqual({
      ok: false,
      error: "the guest's fio report is malformed: the job's error is an array, not a whole number",
    });
  });

  it('names other shapes of error plainly and keeps a numeric error as fio reported it', () => {
    expect(parseFio({ jobs: [{ error: { toString: 'x' } }] }, 'write')).toEqual({
      ok: false,
      error: "the guest's fio report is malformed: the job's error is an object, not a whole number",
    });
    expect(parseFio({ jobs: [{ error: null }] }, 'write')).toMatchObject({ error: expect.stringContaining('is null') });
    expect(parseFio({ jobs: [{ error: 5 }] }, 'read')).toEqual({ ok: false, error: "fio's job failed with error 5" });
  });
});
