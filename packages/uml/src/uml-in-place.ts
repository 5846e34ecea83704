import { closeSync, futimesSync, openSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fdProcPath, run } from '@strata/host';
import { cowHeaderMismatch, openCowFile, readCowHeaderFd, type CowHeader } from './cow-header.js';

/** The backing's mtime (whole seconds, as UML compares it) and size, as a COW header records them. */
export interface CowStamp {
  mtime: number;
  size: number;
}

export function backingStamp(backing: string): CowStamp {
  const st = statSync(backing);
  return { mtime: Math.floor(st.mtimeMs / 1000), size: st.size };
}

/**
 * The header must name `backing` and carry either the backing's present stamp or exactly the
 * `journaled` one: an interrupted `uml_moo -d` moves the backing's mtime (never its size) and
 * leaves the header as it was when the merge was journaled. Anything else is refused.
 */
function headerProblem(h: CowHeader, backing: string, journaled: CowStamp): { problem: string | null; stale: boolean } {
  const now = backingStamp(backing);
  const asNow = cowHeaderMismatch(h, backing, { size: now.size, mtimeMs: now.mtime * 1000 });
  if (!asNow) return { problem: null, stale: false };
  if (journaled.size !== now.size)
    return { problem: `the backing file is ${now.size} bytes; the merge was journaled at ${journaled.size}`, stale: false };
  const asJournaled = cowHeaderMismatch(h, backing, { size: journaled.size, mtimeMs: journaled.mtime * 1000 });
  return { problem: asJournaled && `${asNow}, and not the journaled state either (${asJournaled})`, stale: !asJournaled };
}

/**
 * Puts the backing's mtime back to the journaled one, which the header still carries: the stamp
 * is restored on the root-owned backing rather than written into the guest-reachable COW, so
 * every state a crash can leave has the header exactly as journaled.
 */
function restamp(backing: string, journaled: CowStamp): void {
  const fd = openSync(backing, 'r');
  try {
    const { atime } = statSync(backing);
    futimesSync(fd, atime, journaled.mtime);
  } finally {
    closeSync(fd);
  }
}

/**
 * `uml_moo -d`: writes the COW's sectors into its backing file in place. The COW keeps every
 * sector until the disk is given a fresh one, so COW + backing read the same throughout and a
 * second run writes the same bytes again. After an interrupted run the backing's mtime has moved
 * under the header, and uml_moo refuses it: the journaled stamp is restored first.
 */
export async function umlMergeInPlace(cow: string, backing: string, journaled: CowStamp): Promise<void> {
  const cowFd = openCowFile(cow);
  try {
    const { problem, stale } = headerProblem(readCowHeaderFd(cowFd), backing, journaled);
    if (problem) throw new Error(`refusing to merge ${cow}: ${problem}`);
    if (stale) restamp(backing, journaled);
    // uml_moo gets the checked COW as fd 3, never a name the guest can swap; -b names the backing.
    const r = await run(['uml_moo', '-d', '-b', backing, '/proc/self/fd/3'], { extraFds: [cowFd] });
    if (r.code !== 0) throw new Error(`uml_moo -d exited with ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  } finally {
    closeSync(cowFd);
  }
}

const CHUNK = 1 << 20;

/** Runs of set bits (sectors the COW holds) as [first sector, count]. */
function* heldRuns(bitmap: Buffer, sectors: number): Generator<[number, number]> {
  let s = 0;
  while (s < sectors) {
    if (bitmap[s >> 3] === 0 && (s & 7) === 0) {
      s += 8;
      continue;
    }
    if (!((bitmap[s >> 3]! >> (s & 7)) & 1)) {
      s++;
      continue;
    }
    const first = s;
    while (s < sectors && (bitmap[s >> 3]! >> (s & 7)) & 1) s++;
    yield [first, s - first];
  }
}

/** After `uml_moo -d`: the backing must hold the COW's bytes at exactly the sectors its bitmap marks. */
export async function verifyUmlInPlace(cow: string, backing: string, journaled: CowStamp): Promise<string | null> {
  const cowFd = openCowFile(cow);
  let h: CowHeader;
  try {
    h = readCowHeaderFd(cowFd);
    const { problem } = headerProblem(h, backing, journaled);
    if (problem) return problem;
  } catch (err) {
    closeSync(cowFd);
    throw err;
  }
  const [c, b] = await Promise.all([open(fdProcPath(cowFd), 'r').finally(() => closeSync(cowFd)), open(backing, 'r')]);
  try {
    const bitmap = Buffer.alloc(h.bitmapBytes);
    await c.read(bitmap, 0, bitmap.length, h.bitmapOffset);
    const x = Buffer.alloc(CHUNK);
    const y = Buffer.alloc(CHUNK);
    for (const [first, count] of heldRuns(bitmap, Math.ceil(h.backingSize / h.sectorSize))) {
      const end = Math.min((first + count) * h.sectorSize, h.backingSize);
      for (let at = first * h.sectorSize; at < end; at += CHUNK) {
        const len = Math.min(CHUNK, end - at);
        const [rx, ry] = await Promise.all([c.read(x, 0, len, h.dataOffset + at), b.read(y, 0, len, at)]);
        x.fill(0, rx.bytesRead, len);
        y.fill(0, ry.bytesRead, len);
        if (!x.subarray(0, len).equals(y.subarray(0, len))) return `bytes ${at}-${at + len} of the backing file differ from the COW`;
      }
    }
    return null;
  } finally {
    await Promise.all([c.close(), b.close()]);
  }
}
