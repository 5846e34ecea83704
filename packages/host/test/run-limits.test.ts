import { describe, expect, it } from 'vitest';
import { run } from '../src/run.js';

describe('run with limits', () => {
  it('kills a command that prints past the stdout limit, keeps what fitted and says why', async () => {
    const result = await run(['yes'], { maxStdoutBytes: 100_000 });
    expect(result.code).toBe(128);
    expect(result.stdout.length).toBeLessThanOrEqual(100_000);
    expect(result.stdout.startsWith('y\ny\n')).toBe(true);
    expect(result.stderr).toMatch(/stopped: printed more than 100000 bytes$/);
  });

  it('kills a command that runs past its time and says why', async () => {
    const result = await run(['sleep', '30'], { timeoutMs: 200 });
    expect(result.code).toBe(128);
    expect(result.stderr).toMatch(/stopped: no end after 200 ms$/);
  });

  it('leaves a command within its limits as it was', async () => {
    expect(await run(['printf', 'ok'], { maxStdoutBytes: 2, timeoutMs: 30_000 })).toEqual({ code: 0, stdout: 'ok', stderr: '' });
  });
});
