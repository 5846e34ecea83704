import { describe, expect, it } from 'vitest';
import { run } from '../src/run.js';

describe('run with limits', () => {
  it('kills a command that prints past the stdout limit, keeps what fitted and says why', async () => {
    const result = await run(['yes'], { maxOutputBytes: 100_000 });
    expect(result.code).toBe(128);
    expect(result.stdout.length).toBeLessThanOrEqual(100_000);
    expect(result.stdout.startsWith('y\ny\n')).toBe(true);
    expect(result.stderr).toMatch(/stopped: printed more than 100000 bytes$/);
  });

  it('kills a command that floods its messages past the same limit', async () => {
    // 10,000 lines of "No such file or directory".
    const result = await run(['cat', ...Array<string>(10_000).fill('/nonexistent/strata-run-limits')], { maxOutputBytes: 100_000 });
    expect(result.code).toBe(128);
    expect(result.stderr.length).toBeLessThan(100_200);
    expect(result.stderr).toMatch(/stopped: printed more than 100000 bytes of messages$/);
  });

  it('runs a command under kernel limits: one that needs more memory than allowed ends, and says so', async () => {
    const ok = await run(['true'], { limits: { addressSpaceBytes: 256 * 1024 ** 2, cpuSeconds: 5 } });
    expect(ok.code).toBe(0);
    // 64 MiB of address space cannot hold dd's 200 MiB buffer; without the limit it can.
    const argv = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1'];
    const hungry = await run(argv, { limits: { addressSpaceBytes: 64 * 1024 ** 2, cpuSeconds: 5 } });
    expect(hungry.code).not.toBe(0);
    expect(hungry.stderr).toMatch(/memory exhausted/);
    expect((await run(argv)).code).toBe(0);
  });

  it('kills a command that runs past its time and says why', async () => {
    const result = await run(['sleep', '30'], { timeoutMs: 200 });
    expect(result.code).toBe(128);
    expect(result.stderr).toMatch(/stopped: no end after 200 ms$/);
  });

  it('leaves a command within its limits as it was', async () => {
    expect(await run(['printf', 'ok'], { maxOutputBytes: 2, timeoutMs: 30_000 })).toEqual({ code: 0, stdout: 'ok', stderr: '' });
  });
});
