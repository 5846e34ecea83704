import { closeSync, existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fdProcPath, run } from '@strata/host';
import { cowHeaderMismatch, openCowFile, readCowHeaderFd } from './cow-header.js';

/** Reports a file's growth towards `total` bytes every 200 ms while `work` runs. */
async function watchGrowth<T>(path: string, total: number, onProgress: (p: number) => void, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    if (existsSync(path) && total > 0) onProgress(Math.min(1, statSync(path).size / total));
  }, 200);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/**
 * uml_moo takes no lock, does not fsync and truncates its target, so it never writes to a file
 * anyone uses: `target` is new. -b names the backing explicitly (the header's path may be a
 * sandbox's view). The in-place merge (-d) is uml-in-place.ts.
 */
export async function umlMerge(
  cow: string,
  backing: string,
  target: string,
  options: { onProgress(p: number): void; signal: AbortSignal },
): Promise<void> {
  const st = statSync(backing);
  const size = st.size;
  // uml_moo gets the COW Strata checked as an inherited descriptor (fd 3), never a name the guest can swap.
  const cowFd = openCowFile(cow);
  try {
    const wrong = cowHeaderMismatch(readCowHeaderFd(cowFd), backing, st);
    if (wrong) throw new Error(`refusing to merge ${cow}: ${wrong}`);
    const r = await watchGrowth(
      target,
      size,
      options.onProgress,
      run(['uml_moo', '-b', backing, '/proc/self/fd/3', target], { signal: options.signal, extraFds: [cowFd] }),
    );
    if (r.code !== 0) throw new Error(`uml_moo failed: ${(r.stderr || r.stdout).trim()}`);
  } finally {
    closeSync(cowFd);
  }
  if (statSync(target).size !== size) throw new Error(`uml_moo wrote ${statSync(target).size} bytes, expected ${size}`);
  options.onProgress(1);
}

const CHUNK = 1 << 20;

/** Every sector of `merged` must be the COW's where the bitmap says so and the backing's elsewhere. */
export async function verifyUmlMerge(cow: string, backing: string, merged: string): Promise<string | null> {
  const cowFd = openCowFile(cow);
  let h;
  try {
    h = readCowHeaderFd(cowFd);
  } catch (err) {
    closeSync(cowFd);
    throw err;
  }
  const wrong = cowHeaderMismatch(h, backing, statSync(backing));
  if (wrong) {
    closeSync(cowFd);
    return wrong;
  }
  const [c, b, m] = await Promise.all([
    open(fdProcPath(cowFd), 'r').finally(() => closeSync(cowFd)),
    open(backing, 'r'),
    open(merged, 'r'),
  ]);
  try {
    const bitmap = Buffer.alloc(h.bitmapBytes);
    await c.read(bitmap, 0, bitmap.length, h.bitmapOffset);
    const sectorsPerChunk = CHUNK / h.sectorSize;
    const bufs = { cow: Buffer.alloc(CHUNK), base: Buffer.alloc(CHUNK), out: Buffer.alloc(CHUNK) };
    for (let offset = 0; offset < h.backingSize; offset += CHUNK) {
      const len = Math.min(CHUNK, h.backingSize - offset);
      await Promise.all([
        c.read(bufs.cow, 0, len, h.dataOffset + offset),
        b.read(bufs.base, 0, len, offset),
        m.read(bufs.out, 0, len, offset),
      ]);
      const first = offset / h.sectorSize;
      const bits = bitmap.subarray(first >> 3, (first + Math.ceil(len / h.sectorSize) + 7) >> 3);
      const whole = bits.every((x) => x === 0) ? bufs.base : bits.every((x) => x === 0xff) ? bufs.cow : null;
      if (whole) {
        if (!whole.subarray(0, len).equals(bufs.out.subarray(0, len)))
          return `bytes ${offset}-${offset + len} of the merged file differ from the ${whole === bufs.cow ? 'COW' : 'backing file'}`;
        continue;
      }
      for (let s = 0; s < Math.ceil(len / h.sectorSize) && s < sectorsPerChunk; s++) {
        const sector = first + s;
        const fromCow = (bitmap[sector >> 3]! >> (sector & 7)) & 1;
        const at = s * h.sectorSize;
        const expected = (fromCow ? bufs.cow : bufs.base).subarray(at, at + h.sectorSize);
        if (!expected.equals(bufs.out.subarray(at, at + h.sectorSize))) {
          return `sector ${sector} of the merged file differs from the ${fromCow ? 'COW' : 'backing file'}`;
        }
      }
    }
    return null;
  } finally {
    await Promise.all([c.close(), b.close(), m.close()]);
  }
}
