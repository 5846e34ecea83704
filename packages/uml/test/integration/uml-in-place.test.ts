import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCowHeader } from '../../src/cow-header.js';
import { backingStamp, umlMergeInPlace, verifyUmlInPlace } from '../../src/uml-in-place.js';
import { makeCow } from '../cow-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-moo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 ** 2;

/** A 16 MiB backing of 0x11 and a COW holding 2 MiB of 0xab from 1 MiB on. */
function pair(name: string) {
  const backing = join(dir, `${name}.raw`);
  const cow = join(dir, `${name}.cow`);
  execFileSync('sh', ['-c', `head -c ${16 * MiB} /dev/zero | tr '\\0' '\\021' > ${backing}`]);
  makeCow(cow, backing, MiB, 2 * MiB, 0xab);
  return { backing, cow, journaled: backingStamp(backing) };
}
const bytesAt = (path: string, at: number, len: number) => readFileSync(path).subarray(at, at + len);

describe('uml_moo -d in place, and its recovery', () => {
  it("writes exactly the COW's sectors into the backing and verifies only those", async () => {
    const { backing, cow, journaled } = pair('plain');
    await umlMergeInPlace(cow, backing, journaled);
    expect(bytesAt(backing, MiB, 2 * MiB).every((b) => b === 0xab)).toBe(true);
    expect(bytesAt(backing, 0, MiB).every((b) => b === 0x11)).toBe(true);
    expect(bytesAt(backing, 3 * MiB, 13 * MiB).every((b) => b === 0x11)).toBe(true);
    expect(await verifyUmlInPlace(cow, backing, journaled)).toBeNull();
    const fd = openSync(backing, 'r+');
    writeSync(fd, Buffer.from([0]), 0, 1, 2 * MiB + 7);
    closeSync(fd);
    expect(await verifyUmlInPlace(cow, backing, journaled)).toMatch(/differ from the COW/);
  });

  it('finishes a half-done merge: the journaled stamp is restored under the unchanged header, then uml_moo runs again', async () => {
    const { backing, cow, journaled } = pair('half');
    // What a killed uml_moo -d leaves: some sectors written, the backing's mtime moved.
    const fd = openSync(backing, 'r+');
    writeSync(fd, Buffer.alloc(MiB / 2, 0xab), 0, MiB / 2, MiB);
    closeSync(fd);
    execFileSync('touch', ['-d', `@${journaled.mtime + 7}`, backing]);
    const direct = (() => {
      try {
        execFileSync('uml_moo', ['-d', '-b', backing, cow], { stdio: 'pipe' });
        return 'merged';
      } catch (err) {
        return String((err as { stderr: Buffer }).stderr);
      }
    })();
    expect(direct).toMatch(/mtime mismatch/);
    expect(readCowHeader(cow).backingMtime).toBe(journaled.mtime);
    const headerBefore = readFileSync(cow).subarray(0, 8192);
    await umlMergeInPlace(cow, backing, journaled);
    expect(readFileSync(cow).subarray(0, 8192).equals(headerBefore)).toBe(true);
    expect(bytesAt(backing, MiB, 2 * MiB).every((b) => b === 0xab)).toBe(true);
    expect(await verifyUmlInPlace(cow, backing, journaled)).toBeNull();
  });

  it("refuses a header that is neither the journaled state nor the backing's present one", async () => {
    const { backing, cow, journaled } = pair('foreign');
    execFileSync('touch', ['-d', `@${journaled.mtime + 3}`, backing]);
    const wrong = { ...journaled, mtime: journaled.mtime - 50 };
    await expect(umlMergeInPlace(cow, backing, wrong)).rejects.toThrow(/not the journaled state either/);
    await expect(umlMergeInPlace(cow, join(dir, 'plain.raw'), journaled)).rejects.toThrow(/names .* as its backing file/);
    expect(bytesAt(backing, MiB, MiB).every((b) => b === 0x11)).toBe(true);
  });
});
