import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readCowHeader } from '../src/cow-header.js';

/**
 * A UML COW on `backing` (uml_mkcow) that holds `bytes` of `fill` from `start` (sector-aligned),
 * bitmap bits and data written as UML itself would: without booting a guest.
 */
export function makeCow(cow: string, backing: string, start: number, bytes: number, fill: number): void {
  execFileSync('uml_mkcow', ['-f', cow, backing]);
  const h = readCowHeader(cow);
  const fd = openSync(cow, 'r+');
  try {
    const first = start / h.sectorSize;
    const count = bytes / h.sectorSize;
    const bitmap = Buffer.alloc(h.bitmapBytes);
    for (let s = first; s < first + count; s++) bitmap[s >> 3]! |= 1 << (s & 7);
    writeSync(fd, bitmap, 0, bitmap.length, h.bitmapOffset);
    const chunk = Buffer.alloc(Math.min(bytes, 4 << 20), fill);
    for (let at = 0; at < bytes; at += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - at), h.dataOffset + start + at);
  } finally {
    closeSync(fd);
  }
}
