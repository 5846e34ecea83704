import { describe, expect, it } from 'vitest';
import { parseLdd } from '../src/ldd.js';

describe('parseLdd', () => {
  it('keeps resolved paths and the loader, drops the vdso', () => {
    const out = `\tlinux-vdso.so.1 (0x00007ffd)\n\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n`;
    expect(parseLdd(out)).toEqual(['/lib/x86_64-linux-gnu/libz.so.1', '/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libc.so.6']);
  });
});
