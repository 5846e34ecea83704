import { describe, expect, it } from 'vitest';
import { ImportFormatError, MAX_QCOW2_SNAPSHOTS, sniffFormat } from '../src/image-magic.js';

/** A qcow2 header's first 72 bytes: magic, version, and the snapshot count at offset 60. */
function qcow2Head(version: number, snapshots: number): Buffer {
  const head = Buffer.alloc(512);
  head.write('QFI\xfb', 0, 'latin1');
  head.writeUInt32BE(version, 4);
  head.writeUInt32BE(snapshots, 60);
  return head;
}

describe('sniffFormat', () => {
  it('takes qcow2 with up to the allowed number of internal snapshots', () => {
    expect(sniffFormat(qcow2Head(3, 0), Buffer.alloc(512))).toBe('qcow2');
    expect(sniffFormat(qcow2Head(2, MAX_QCOW2_SNAPSHOTS), Buffer.alloc(512))).toBe('qcow2');
  });

  it('refuses a qcow2 whose snapshot table would keep qemu-img busy, before qemu-img runs', () => {
    expect(() => sniffFormat(qcow2Head(3, 50_000), Buffer.alloc(512))).toThrow(ImportFormatError);
    expect(() => sniffFormat(qcow2Head(3, 50_000), Buffer.alloc(512))).toThrow(
      /50000 internal snapshots cannot be imported \(at most 1000\)/,
    );
  });

  it('names qcow version 1 as such, whatever its bytes where qcow2 keeps the snapshot count', () => {
    expect(() => sniffFormat(qcow2Head(1, 50_000), Buffer.alloc(512))).toThrow(/qcow version 1 image cannot be imported/);
  });

  it('refuses a qcow2 version 3 that carries persistent dirty bitmaps (autoclear bit 0), and takes the other autoclear bits', () => {
    const head = qcow2Head(3, 0);
    head.writeBigUInt64BE(1n, 88);
    expect(() => sniffFormat(head, Buffer.alloc(512))).toThrow(/persistent dirty bitmaps cannot be imported/);
    head.writeBigUInt64BE(2n, 88);
    expect(sniffFormat(head, Buffer.alloc(512))).toBe('qcow2');
    // Version 2 has no autoclear field: those bytes belong to something else.
    const v2 = qcow2Head(2, 0);
    v2.writeBigUInt64BE(1n, 88);
    expect(sniffFormat(v2, Buffer.alloc(512))).toBe('qcow2');
  });
});
