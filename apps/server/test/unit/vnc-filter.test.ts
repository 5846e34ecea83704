import { describe, expect, it } from 'vitest';
import { MAX_CUT_TEXT, RfbClientFilter, messageLength } from '../../src/console/vnc-filter.js';

const handshake = Buffer.concat([Buffer.from('RFB 003.008\n', 'latin1'), Buffer.from([1, 0])]);
const key = (down: number) => Buffer.from([4, down, 0, 0, 0, 0, 0xff, 0xff]);
const update = Buffer.from([3, 1, 0, 0, 0, 0, 2, 0, 1, 0x80]);
const encodings = Buffer.from([2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xfe, 0xfe]);

describe('RFB client filter', () => {
  it('passes the handshake with ClientInit forced shared, then only watching messages for a viewer', () => {
    const viewer = new RfbClientFilter(() => false);
    const all = Buffer.concat([
      handshake,
      encodings,
      key(1),
      Buffer.from([5, 1, 0, 10, 0, 10]),
      update,
      Buffer.from([255, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x1d]),
    ]);
    // Byte by byte: framing must not depend on how the WebSocket split the stream.
    const forwarded: Buffer[] = [];
    const dropped: number[] = [];
    for (const b of all) {
      const r = viewer.push(Buffer.from([b]));
      forwarded.push(...r.forward);
      dropped.push(...r.dropped);
    }
    const out = Buffer.concat(forwarded);
    expect(out.subarray(0, 14)).toEqual(Buffer.concat([Buffer.from('RFB 003.008\n', 'latin1'), Buffer.from([1, 1])]));
    expect(out.subarray(14)).toEqual(Buffer.concat([encodings, update]));
    expect(dropped).toEqual([4, 5, 255]);
  });

  it('lets an operator through, asking the role for every message', () => {
    let operator = true;
    const f = new RfbClientFilter(() => operator);
    f.push(handshake);
    expect(Buffer.concat(f.push(key(1)).forward)).toEqual(key(1));
    operator = false;
    expect(f.push(key(0))).toEqual({ forward: [], dropped: [4] });
  });

  it('refuses other versions, security types and unknown messages, and oversized clipboard text', () => {
    expect(() => new RfbClientFilter(() => true).push(Buffer.from('RFB 003.003\n', 'latin1'))).toThrow(/RFB 003.008/);
    expect(() => new RfbClientFilter(() => true).push(Buffer.concat([Buffer.from('RFB 003.008\n', 'latin1'), Buffer.from([2])]))).toThrow(
      /security type None/,
    );
    const f = new RfbClientFilter(() => true);
    f.push(handshake);
    expect(() => f.push(Buffer.from([99]))).toThrow(/unknown RFB message type 99/);
    const cut = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]);
    cut.writeInt32BE(-(MAX_CUT_TEXT + 1), 4);
    expect(() => messageLength(cut)).toThrow(/over the/);
    expect(messageLength(Buffer.from([6, 0, 0, 0]))).toBeNull();
    expect(messageLength(Buffer.from([251, 0, 0, 0, 0, 0, 2, 0]))).toBe(8 + 32);
  });
});

describe('RFB client filter under a flood of tiny frames', () => {
  const byteByByte = (f: RfbClientFilter, data: Buffer) => {
    const forward: Buffer[] = [];
    const dropped: number[] = [];
    let most = 0;
    for (let i = 0; i < data.length; i++) {
      const r = f.push(data.subarray(i, i + 1));
      forward.push(...r.forward);
      dropped.push(...r.dropped);
      most = Math.max(most, f.buffered);
    }
    return { forward: Buffer.concat(forward), dropped, most };
  };

  it('skips a viewer’s 1 MiB of input sent one byte at a time, quickly and without holding it', () => {
    const f = new RfbClientFilter(() => false);
    f.push(handshake);
    const pointer = Buffer.from([5, 1, 0, 10, 0, 10]);
    const count = Math.ceil((1 << 20) / pointer.length);
    const started = performance.now();
    const r = byteByByte(f, Buffer.concat([...Array<Buffer>(count).fill(pointer), update]));
    // Linear: well under a second even on a loaded machine; re-concatenating per frame took minutes.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.most).toBeLessThan(16);
    expect(r.dropped.length).toBe(count);
    expect(r.forward).toEqual(update);
  });

  it('drops clipboard text as it arrives, however it is split, and refuses more than 64 KiB', () => {
    const f = new RfbClientFilter(() => true);
    f.push(handshake);
    const cut = Buffer.alloc(8 + MAX_CUT_TEXT, 0x61);
    cut.writeUInt32BE(0x06000000, 0);
    cut.writeInt32BE(MAX_CUT_TEXT, 4);
    const started = performance.now();
    const r = byteByByte(f, Buffer.concat([cut, key(1)]));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.most).toBeLessThan(16);
    expect(r.dropped).toEqual([6]);
    expect(r.forward).toEqual(key(1));
    const big = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]);
    big.writeInt32BE(MAX_CUT_TEXT + 1, 4);
    expect(() => f.push(big)).toThrow(/over the 65536-byte limit/);
  });

  it('passes an operator’s largest message whole after 256 KiB of one-byte frames, in linear time', () => {
    const f = new RfbClientFilter(() => true);
    f.push(handshake);
    const most = Buffer.alloc(4 + 4 * 0xffff, 0x01);
    most.writeUInt32BE(0x0200ffff, 0);
    const started = performance.now();
    const r = byteByByte(f, Buffer.concat([most, key(0)]));
    expect(performance.now() - started).toBeLessThan(2000);
    // Buffer.equals: a deep equal over 256 KiB byte by byte is itself slow.
    expect(r.forward.equals(Buffer.concat([most, key(0)]))).toBe(true);
    expect(r.dropped).toEqual([]);
  });
});
