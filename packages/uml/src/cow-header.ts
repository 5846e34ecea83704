import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** arch/um/drivers/cow_user.c: every version starts with this magic ("OOOM"). */
export const COW_MAGIC = 0x4f4f4f4d;
const PATH_V1 = 256;
const PATH_V2_V3 = 4096;
const HEADER_V1 = 8 + PATH_V1 + 8 + 8 + 4;
const HEADER_V2 = 8 + PATH_V2_V3 + 4 + 8 + 4;
const HEADER_V3 = 32 + PATH_V2_V3;
/** Enough for any header version. */
export const COW_HEADER_BYTES = HEADER_V3 + 16;

export interface CowHeader {
  version: 1 | 2 | 3;
  /** v3 written by a 64-bit build with the padded struct (the kernel reads it still). */
  broken: boolean;
  backingFile: string;
  /** Seconds since the epoch; UML compares it with the backing file's mtime, whole seconds. */
  backingMtime: number;
  backingSize: number;
  sectorSize: number;
  alignment: number;
  bitmapOffset: number;
  bitmapBytes: number;
  dataOffset: number;
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;
const cString = (buf: Buffer, start: number, max: number): string => {
  const slice = buf.subarray(start, start + max);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString('utf8');
};

/** Parses a UML COW header (v1 host-endian, v2 and v3 big-endian); throws on anything else. */
export function parseCowHeader(buf: Buffer): CowHeader {
  if (buf.length < 8) throw new Error('too short for a UML COW header');
  const bigEndian = buf.readUInt32BE(0) === COW_MAGIC;
  if (!bigEndian && buf.readUInt32LE(0) !== COW_MAGIC) throw new Error('not a UML COW file (no OOOM magic)');
  const version = bigEndian ? buf.readUInt32BE(4) : buf.readUInt32LE(4);
  let h: Omit<CowHeader, 'bitmapBytes' | 'dataOffset'>;
  if (version === 1) {
    if (buf.length < HEADER_V1) throw new Error('truncated v1 header');
    const sectorSize = buf.readInt32LE(8 + PATH_V1 + 16);
    h = {
      version: 1,
      broken: false,
      backingFile: cString(buf, 8, PATH_V1),
      backingMtime: Number(buf.readBigInt64LE(8 + PATH_V1)),
      backingSize: Number(buf.readBigUInt64LE(8 + PATH_V1 + 8)),
      sectorSize,
      alignment: sectorSize,
      bitmapOffset: HEADER_V1,
    };
  } else if (version === 2) {
    if (buf.length < HEADER_V2) throw new Error('truncated v2 header');
    const at = 8 + PATH_V2_V3;
    const sectorSize = buf.readInt32BE(at + 12);
    h = {
      version: 2,
      broken: false,
      backingFile: cString(buf, 8, PATH_V2_V3),
      backingMtime: buf.readInt32BE(at),
      backingSize: Number(buf.readBigUInt64BE(at + 4)),
      sectorSize,
      alignment: sectorSize,
      bitmapOffset: HEADER_V2,
    };
  } else if (version === 3) {
    if (buf.length < HEADER_V3) throw new Error('truncated v3 header');
    // A zero where the path starts is the "broken" v3: an unpacked struct with a 64-bit mtime.
    if (buf.readUInt32BE(32) !== 0) {
      const alignment = buf.readUInt32BE(24);
      h = {
        version: 3,
        broken: false,
        backingFile: cString(buf, 32, PATH_V2_V3),
        backingMtime: buf.readUInt32BE(8),
        backingSize: Number(buf.readBigUInt64BE(12)),
        sectorSize: buf.readUInt32BE(20),
        alignment,
        bitmapOffset: roundUp(HEADER_V3, alignment),
      };
    } else {
      const alignment = buf.readUInt32BE(28);
      h = {
        version: 3,
        broken: true,
        backingFile: cString(buf, 36, PATH_V2_V3),
        backingMtime: Number(buf.readBigInt64BE(8)),
        backingSize: Number(buf.readBigUInt64BE(16)),
        sectorSize: buf.readUInt32BE(24),
        alignment,
        bitmapOffset: roundUp(HEADER_V3 + 8, alignment),
      };
    }
  } else {
    throw new Error(`unknown UML COW version ${version}`);
  }
  if (!(h.sectorSize > 0) || !(h.alignment > 0)) throw new Error('the header has no sector size');
  const sectors = Math.ceil(h.backingSize / h.sectorSize);
  const bitmapBytes = Math.ceil(sectors / 8);
  const dataOffset = roundUp(h.bitmapOffset + bitmapBytes, version === 3 ? h.alignment : h.sectorSize);
  return { ...h, bitmapBytes, dataOffset };
}

/**
 * Opens a COW file the guest can rename and replace (it lives in the sandbox's disks/): the name
 * must be a regular file with one link, not a symlink, FIFO or hard link to some other file.
 */
export function openCowFile(path: string): number {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const st = fstatSync(fd);
  if (!st.isFile() || st.nlink !== 1) {
    closeSync(fd);
    throw new Error(`${path} is not a regular file with one link`);
  }
  return fd;
}

export function readCowHeaderFd(fd: number): CowHeader {
  const buf = Buffer.alloc(COW_HEADER_BYTES);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return parseCowHeader(buf.subarray(0, n));
}

export function readCowHeader(path: string): CowHeader {
  const fd = openCowFile(path);
  try {
    return readCowHeaderFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The guest writes its COW (hostfs reaches disks/), so the header is hostile: it must name the
 * backing Strata recorded, at that file's size and mtime, or nothing is merged or shown from it.
 */
export function cowHeaderMismatch(h: CowHeader, backing: string, st: { size: number; mtimeMs: number }): string | null {
  if (h.backingFile !== backing)
    return `the COW header names ${JSON.stringify(h.backingFile.slice(0, 200))} as its backing file, not ${backing}`;
  if (h.backingSize !== st.size) return `the COW header records a backing size of ${h.backingSize}, the file has ${st.size}`;
  if (h.backingMtime !== Math.floor(st.mtimeMs / 1000)) return 'the COW header records another backing mtime';
  return null;
}
