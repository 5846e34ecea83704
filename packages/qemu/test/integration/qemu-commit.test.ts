import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitInPlace, mapImage, verifyCommit } from '../../src/qemu-commit.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const img = (...args: string[]) => execFileSync('qemu-img', args).toString();
const io = (path: string, ...commands: string[]) => execFileSync('qemu-io', ['-f', 'qcow2', ...commands.flatMap((c) => ['-c', c]), path]);

/** base (0x11) ← parent (0x22 over the first 8 MiB) ← top: what `topWrites` put there. */
function chain(name: string, size: string, topWrites: string[]) {
  const [base, parent, top] = ['base', 'parent', 'top'].map((l) => join(dir, `${name}-${l}.qcow2`)) as [string, string, string];
  img('create', '-q', '-f', 'qcow2', base, size);
  io(base, 'write -P 0x11 0 16M');
  img('create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, parent);
  io(parent, 'write -P 0x22 0 8M');
  img('create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', parent, top);
  io(top, ...topWrites);
  const before = join(dir, `${name}-before.raw`);
  img('convert', '-f', 'qcow2', '-O', 'raw', top, before);
  return { parent, top, before };
}
const identical = (a: string, b: string) => img('compare', '-f', 'qcow2', '-F', 'raw', a, b).includes('identical');

describe('qemu-img commit -d in place', () => {
  it('writes the top into its parent, which then shows the guest what the chain showed', async () => {
    const { parent, top, before } = chain('plain', '64M', ['write -P 0x33 4M 4M', 'write -z 20M 1M', 'write -P 0x44 40M 64k']);
    await commitInPlace(top, { onProgress: () => undefined });
    expect(identical(parent, before)).toBe(true);
    expect(identical(top, before)).toBe(true); // -d: the top still masks what it holds
    expect(await verifyCommit(top, parent)).toBeNull();
    expect((await mapImage(parent, 'qcow2')).filter((e) => e.depth === 0 && e.data).reduce((n, e) => n + e.length, 0)).toBe(
      8 * 1024 ** 2 + 65536,
    ); // its own 8 MiB (4 of them the top's now) and the top's 64 KiB; the zeroes are a zero cluster
  });

  it('finds a parent that does not hold what the top holds', async () => {
    const { parent, top } = chain('wrong', '64M', ['write -P 0x33 4M 4M']);
    await commitInPlace(top, { onProgress: () => undefined });
    io(parent, 'write -P 0x55 5M 4k');
    expect(await verifyCommit(top, parent)).toMatch(/bytes 4194304-8388608 of the merged parent differ from the top/);
    io(parent, 'write -P 0x33 5M 4k', 'discard 6M 64k');
    expect(await verifyCommit(top, parent)).toMatch(/bytes 6291456-6356992 of the merged parent differ from the top/); // a discarded cluster reads as zeroes
  });

  it('survives qemu-img killed at several points: the chain reads as before, a second run finishes, check is clean', async () => {
    for (const afterMs of [5, 40, 120]) {
      const { parent, top, before } = chain(`kill${afterMs}`, '1G', ['write -P 0x66 0 384M', 'write -P 0x67 600M 128M']);
      const child = spawn('qemu-img', ['commit', '-d', '-f', 'qcow2', top], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, afterMs)); // how far the commit got is the point of this test
      child.kill('SIGKILL');
      await exited;
      expect(identical(top, before), `killed after ${afterMs} ms`).toBe(true);
      await commitInPlace(top, { onProgress: () => undefined });
      expect(await verifyCommit(top, parent)).toBeNull();
      expect(img('check', '-f', 'qcow2', parent)).toMatch(/No errors/);
      expect(identical(parent, before)).toBe(true);
      for (const f of [parent, top, before]) rmSync(f);
    }
  });
});
