import { describe, expect, it } from 'vitest';
import { compareCsv, compareRuns, csvField } from '../../src/features/benchmarks/bench-compare';
import { cell, run } from './bench-fixtures';

const a = run('a', [
  cell('9p', 'msize 100000000', 'seq-read', 4096, 10e6),
  cell('virtio-blk', 'virtio-blk', 'seq-read', 4096, 20e6),
  cell('virtio-blk', 'virtio-blk', 'seq-write', 4096, null),
]);
const b = run('b', [
  cell('9p', 'msize 100000000', 'seq-read', 4096, 15e6),
  cell('virtio-blk', 'virtio-blk', 'seq-read', 4096, 10e6),
  cell('virtio-blk', 'virtio-blk', 'seq-write', 4096, 8e6),
  cell('ide', 'ide', 'seq-read', 4096, 5e6),
]);

describe('comparing two runs', () => {
  it('matches cells by pattern, block size and variant and divides B by A', () => {
    const rows = compareRuns(a, b);
    expect(rows.map((r) => [r.pattern, r.label, r.aMBps, r.bMBps, r.ratio])).toEqual([
      ['seq-read', '9p msize 100 MB', 10, 15, 1.5],
      ['seq-read', 'virtio-blk', 20, 10, 0.5],
      ['seq-read', 'IDE', null, 5, null],
      ['seq-write', 'virtio-blk', null, 8, null],
    ]);
    expect(rows[2]!.a).toBeUndefined();
    expect(rows[3]!.a?.state).toBe('failed');
  });

  it('writes CSV a spreadsheet opens safely: quoted where needed, never a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('cache=auto, xattr')).toBe('"cache=auto, xattr"');
    expect(csvField(null)).toBe('');
    expect(csvField(-1.5)).toBe('-1.5');
    const csv = compareCsv(compareRuns(a, b), a, b).split('\r\n');
    expect(csv[0]).toBe('pattern,block_size,target_variant,run_a_MBps (a),run_b_MBps (b),ratio_b_over_a');
    expect(csv[1]).toBe('Sequential read,4 KB,9p msize 100 MB,10,15,1.5');
    expect(csv[3]).toBe('Sequential read,4 KB,IDE,,5,');
    expect(csv.at(-1)).toBe('');
  });
});
