import { describe, expect, it } from 'vitest';
import { COW_MAGIC, cowHeaderMismatch, parseCowHeader } from '../src/cow-header.js';

const path = (buf: Buffer, at: number, p: string) => buf.write(p, at, 'utf8');

describe('UML COW headers (arch/um/drivers/cow_user.c)', () => {
  it('reads v3: big-endian, packed, path after the fields, bitmap and data aligned', () => {
    const b = Buffer.alloc(4128);
    b.writeUInt32BE(COW_MAGIC, 0);
    b.writeUInt32BE(3, 4);
    b.writeUInt32BE(1795324519, 8);
    b.writeBigUInt64BE(1073741824n, 12);
    b.writeUInt32BE(512, 20);
    b.writeUInt32BE(4096, 24);
    path(b, 32, '/images/base.raw');
    const h = parseCowHeader(b);
    expect(h).toMatchObject({
      version: 3,
      broken: false,
      backingFile: '/images/base.raw',
      backingMtime: 1795324519,
      backingSize: 1073741824,
      sectorSize: 512,
      alignment: 4096,
      bitmapOffset: 8192,
    });
    expect(h.bitmapBytes).toBe(262144); // one bit per 512-byte sector of 1 GiB
    expect(h.dataOffset).toBe(8192 + 262144);
  });

  it('reads the broken v3 of 64-bit builds: zero where the path starts, 64-bit mtime', () => {
    const b = Buffer.alloc(4200);
    b.writeUInt32BE(COW_MAGIC, 0);
    b.writeUInt32BE(3, 4);
    b.writeBigInt64BE(1700000000n, 8);
    b.writeBigUInt64BE(16777216n, 16);
    b.writeUInt32BE(512, 24);
    b.writeUInt32BE(4096, 28);
    path(b, 36, '/b.raw');
    expect(parseCowHeader(b)).toMatchObject({
      version: 3,
      broken: true,
      backingFile: '/b.raw',
      backingMtime: 1700000000,
      backingSize: 16777216,
      alignment: 4096,
    });
  });

  it('reads v2: big-endian with the 4096-byte path before mtime', () => {
    const b = Buffer.alloc(4120);
    b.writeUInt32BE(COW_MAGIC, 0);
    b.writeUInt32BE(2, 4);
    path(b, 8, '/v2.raw');
    b.writeInt32BE(1600000000, 4104);
    b.writeBigUInt64BE(1048576n, 4108);
    b.writeInt32BE(512, 4116);
    expect(parseCowHeader(b)).toMatchObject({
      version: 2,
      backingFile: '/v2.raw',
      backingMtime: 1600000000,
      backingSize: 1048576,
      sectorSize: 512,
      bitmapOffset: 4120,
    });
  });

  it('reads v1: host-endian with a 256-byte path and a 64-bit time_t', () => {
    const b = Buffer.alloc(284);
    b.writeUInt32LE(COW_MAGIC, 0);
    b.writeUInt32LE(1, 4);
    path(b, 8, '/v1.raw');
    b.writeBigInt64LE(1500000000n, 264);
    b.writeBigUInt64LE(2097152n, 272);
    b.writeInt32LE(512, 280);
    expect(parseCowHeader(b)).toMatchObject({
      version: 1,
      backingFile: '/v1.raw',
      backingMtime: 1500000000,
      backingSize: 2097152,
      sectorSize: 512,
      bitmapOffset: 284,
      dataOffset: 1024,
    });
  });

  it('refuses what is not a COW file, with the reason', () => {
    expect(() => parseCowHeader(Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'))).toThrow(/no OOOM magic/);
    const v9 = Buffer.alloc(16);
    v9.writeUInt32BE(COW_MAGIC, 0);
    v9.writeUInt32BE(9, 4);
    expect(() => parseCowHeader(v9)).toThrow(/unknown UML COW version 9/);
    const short = Buffer.alloc(100);
    short.writeUInt32BE(COW_MAGIC, 0);
    short.writeUInt32BE(3, 4);
    expect(() => parseCowHeader(short)).toThrow(/truncated v3/);
  });

  it('takes a header (which the guest can rewrite) only when it names the recorded backing at its size and mtime', () => {
    const h = { ...parseCowHeaderOf('/images/base.raw'), backingMtime: 1795324519, backingSize: 1073741824 };
    const st = { size: 1073741824, mtimeMs: 1795324519_900 };
    expect(cowHeaderMismatch(h, '/images/base.raw', st)).toBeNull();
    expect(cowHeaderMismatch({ ...h, backingFile: '/etc/shadow' }, '/images/base.raw', st)).toMatch(/names "\/etc\/shadow"/);
    expect(cowHeaderMismatch(h, '/images/base.raw', { ...st, size: 512 })).toMatch(/backing size/);
    expect(cowHeaderMismatch(h, '/images/base.raw', { ...st, mtimeMs: 1_000 })).toMatch(/mtime/);
  });
});

function parseCowHeaderOf(backing: string) {
  const b = Buffer.alloc(4128);
  b.writeUInt32BE(COW_MAGIC, 0);
  b.writeUInt32BE(3, 4);
  b.writeUInt32BE(512, 20);
  b.writeUInt32BE(4096, 24);
  path(b, 32, backing);
  return parseCowHeader(b);
}
