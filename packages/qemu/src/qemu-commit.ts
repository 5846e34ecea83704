import { open, type FileHandle } from 'node:fs/promises';
import { runOk } from '@strata/host';
import { checkReport, ImageFormatError, progressTo } from './qemu-img.js';

/** One extent of `qemu-img map --output=json`: where the guest's bytes at start..start+length come from. */
export interface MapExtent {
  start: number;
  length: number;
  depth: number;
  zero: boolean;
  data: boolean;
  /** Host offset in the file at `depth`; absent for holes and compressed clusters. */
  offset?: number;
}

/** `shared` (-U) reads without taking qemu's lock: only for a file nothing is changing, like a top under commit -d. */
export async function mapImage(path: string, format: string, shared = false): Promise<MapExtent[]> {
  const { stdout } = await runOk(['qemu-img', 'map', ...(shared ? ['-U'] : []), '-f', format, '--output=json', path]);
  return JSON.parse(stdout) as MapExtent[];
}

/**
 * Commits a qcow2 top into its backing file in place, writing only the clusters the top holds.
 * -d keeps the top as it is: until the disk is repointed, the top masks everything it wrote, so
 * the chain reads the same at every instant, and running the commit again is harmless. The
 * backing's format is the one `qemu-img create -F` recorded in the top's header. With
 * cache=writeback qemu-img fdatasyncs the parent as it closes it, so the bytes are on disk.
 */
export async function commitInPlace(top: string, options: { onProgress(p: number): void }): Promise<void> {
  await runOk(['qemu-img', 'commit', '-p', '-d', '-f', 'qcow2', '-t', 'writeback', top], progressTo(options.onProgress)).catch(
    (err: unknown) => {
      throw new ImageFormatError(`qemu-img commit of ${top} failed: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
}

const CHUNK = 8 << 20;

/** The extents of `map` that cover start..end, clipped to it. */
function covering(map: MapExtent[], start: number, end: number): MapExtent[] {
  return map
    .filter((e) => e.start < end && e.start + e.length > start)
    .map((e) => {
      const from = Math.max(e.start, start);
      const to = Math.min(e.start + e.length, end);
      return { ...e, start: from, length: to - from, offset: e.offset === undefined ? undefined : e.offset + (from - e.start) };
    });
}

/** Reads guest bytes of one extent the image itself holds; null when they cannot be read from its own file. */
async function readExtent(file: FileHandle, e: MapExtent, at: number, out: Buffer): Promise<boolean> {
  if (e.zero) {
    out.fill(0);
    return true;
  }
  if (e.depth !== 0 || e.offset === undefined) return false;
  const { bytesRead } = await file.read(out, 0, out.length, e.offset + (at - e.start));
  out.fill(0, bytesRead);
  return true;
}

/**
 * After a commit: every range the top holds must read the same in the merged parent. Both are
 * read from their own files at the offsets qemu-img map gives, so the cost is what the top wrote,
 * not the virtual disk. Returns what differs, or null; 'unreadable' ranges (compressed clusters,
 * or ranges the parent does not hold itself) count as differences.
 */
export async function compareCommitted(top: string, parent: string, topExtents?: Promise<MapExtent[]>): Promise<string | null> {
  const [topMap, parentMap] = await Promise.all([topExtents ?? mapImage(top, 'qcow2'), mapImage(parent, 'qcow2')]);
  const [t, p] = await Promise.all([open(top, 'r'), open(parent, 'r')]);
  try {
    const a = Buffer.alloc(CHUNK);
    const b = Buffer.alloc(CHUNK);
    for (const held of topMap.filter((e) => e.depth === 0)) {
      for (const pe of covering(parentMap, held.start, held.start + held.length)) {
        const te = covering([held], pe.start, pe.start + pe.length)[0]!;
        for (let at = pe.start; at < pe.start + pe.length; at += CHUNK) {
          const len = Math.min(CHUNK, pe.start + pe.length - at);
          const [okTop, okParent] = await Promise.all([
            readExtent(t, te, at, a.subarray(0, len)),
            readExtent(p, pe, at, b.subarray(0, len)),
          ]);
          const ok = okTop && okParent;
          if (!ok) return `bytes ${at}-${at + len} of the merged parent cannot be read from its own file (depth ${pe.depth})`;
          if (!a.subarray(0, len).equals(b.subarray(0, len))) return `bytes ${at}-${at + len} of the merged parent differ from the top`;
        }
      }
    }
    return null;
  } finally {
    await Promise.all([t.close(), p.close()]);
  }
}

/** qemu-img check of the parent's metadata (leaks repaired), then the top's ranges compared; null when both pass. */
export async function verifyCommit(top: string, parent: string, topExtents?: Promise<MapExtent[]>): Promise<string | null> {
  // Both only read: the metadata check and the comparison run side by side.
  const [firstReport, differs] = await Promise.all([checkReport(parent, 'qcow2'), compareCommitted(top, parent, topExtents)]);
  let report = firstReport;
  if (!report.ok && report.errors === 0 && report.leaks > 0) {
    // A commit killed between allocating clusters and linking them leaks them; nothing points there.
    await runOk(['qemu-img', 'check', '-q', '-r', 'leaks', '-f', 'qcow2', parent]);
    report = await checkReport(parent, 'qcow2');
  }
  if (!report.ok) return `qemu-img check of the merged parent found problems: ${report.report}`;
  return differs;
}

/**
 * Commit, then verify; returns what differs, or null. The top does not change under -d, so its
 * map is taken while qemu-img commits rather than after.
 */
export async function commitAndVerify(top: string, parent: string, options: { onProgress(p: number): void }): Promise<string | null> {
  const topExtents = mapImage(top, 'qcow2', true);
  topExtents.catch(() => undefined); // awaited below; a failed commit must not leave it unhandled
  await commitInPlace(top, options);
  return verifyCommit(top, parent, topExtents);
}
