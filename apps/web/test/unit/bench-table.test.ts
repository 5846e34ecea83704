import { describe, expect, it } from 'vitest';
import type { BenchReference } from '@strata/contract';
import {
  cellNotes,
  columnsOf,
  formatMBps,
  patternRows,
  patternsOf,
  progressOf,
  referenceRows,
} from '../../src/features/benchmarks/bench-table';
import { blockLabel, columnLabel } from '../../src/features/benchmarks/bench-words';
import { columnColors } from '../../src/features/benchmarks/bench-colors';
import { ARTICLE, cell, run } from './bench-fixtures';

const cells = [
  cell('ide', 'ide', 'seq-read', 4096, 9e6),
  cell('virtiofs', 'cache=none', 'seq-read', 4096, 5e6),
  cell('9p', 'msize 100000000', 'seq-read', 1048576, 600e6),
  cell('9p', 'kernel default msize', 'seq-read', 4096, 30e6),
  cell('9p', 'msize 100000000', 'seq-read', 4096, 36e6),
  cell('virtio-blk', 'virtio-blk', 'seq-write', 4096, null),
  cell('virtiofs', 'cache=auto', 'seq-read', 4096, 7e6, { direct: false, note: 'page cache dropped before each pass' }),
];

describe("a run's tables", () => {
  it("orders columns as the contract lists targets, each target's variants as measured, and names them", () => {
    expect(columnsOf(cells).map((c) => c.label)).toEqual([
      '9p msize 100 MB',
      '9p kernel default msize',
      'virtiofs cache=none',
      'virtiofs cache=auto',
      'virtio-blk',
      'IDE',
    ]);
  });

  it('lays a pattern out as the article does: a row per block size, a cell per column, missing cells empty', () => {
    const r = run('a', cells);
    const columns = columnsOf(cells);
    const rows = patternRows(r, 'seq-read', columns);
    expect(rows.map((x) => blockLabel(x.blockSize))).toEqual(['4 KB', '1 MB']);
    expect(rows[0]!.cells.map((c) => c?.bytesPerSec ?? null)).toEqual([36e6, 30e6, 5e6, 7e6, null, 9e6]);
    expect(rows[1]!.cells.map((c) => c?.bytesPerSec ?? null)).toEqual([600e6, null, null, null, null, null]);
    expect(patternRows(r, 'seq-write', columns)[0]!.cells[4]).toMatchObject({ state: 'failed', error: 'fio exited with status 1' });
    expect(patternsOf(r)).toEqual(['seq-read', 'seq-write']);
  });

  it('numbers each distinct note of a cell measured through the cache once', () => {
    const notes = cellNotes([
      ...cells,
      cell('virtiofs', 'cache=always', 'seq-read', 4096, 8e6, { direct: false, note: 'page cache dropped before each pass' }),
    ]);
    expect([...notes]).toEqual([['page cache dropped before each pass', 1]]);
  });

  it("converts the article's KB/s to MB/s and keeps its illegible value empty", () => {
    const ref: BenchReference = {
      title: 't',
      setup: 's',
      unit: 'KB/s',
      rows: ARTICLE.map(([pattern, blockSize, virtfs, virtioBlk, ide]) => ({ pattern, blockSize, virtfs, virtioBlk, ide })),
      ratios: [],
    };
    expect(referenceRows(ref, 'seq-read')[2]).toEqual({ blockSize: 1048576, virtfs: 672.491, virtioBlk: 354.147, ide: 245.257 });
    expect(referenceRows(ref, 'rand-write')[2]!.ide).toBeNull();
  });

  it('writes MB/s with three significant digits at most', () => {
    expect([formatMBps(672.491), formatMBps(36.65), formatMBps(5.4321), formatMBps(0.51234), formatMBps(null)]).toEqual([
      '672 MB/s',
      '36.7 MB/s',
      '5.43 MB/s',
      '0.512 MB/s',
      '—',
    ]);
  });

  it('counts finished cells and finds the one being measured', () => {
    const p = progressOf([
      ...cells,
      cell('ide', '', 'seq-write', 4096, null, { state: 'running', error: undefined }),
      cell('ide', 'ide', 'rand-read', 4096, null, { state: 'pending' }),
    ]);
    expect(p).toMatchObject({ done: 7, total: 9, failed: 1 });
    expect(p.current).toMatchObject({ target: 'ide', pattern: 'seq-write' });
  });

  it('writes msizes in words and names a one-variant target after itself', () => {
    expect(columnLabel('9p', 'msize 524288')).toBe('9p msize 512 KiB');
    expect(columnLabel('9p', 'msize 100000000')).toBe('9p msize 100 MB');
    expect(columnLabel('9p', 'msize 512 KiB')).toBe('9p msize 512 KiB');
    expect(columnLabel('ide', 'ide')).toBe('IDE');
    expect(columnLabel('virtiofs', 'cache=auto')).toBe('virtiofs cache=auto');
  });

  it("gives a target's variants shades of one family, and every column a colour", () => {
    const colors = columnColors(columnsOf(cells));
    expect(new Set(colors).size).toBe(colors.length);
    expect(colors.every((c) => /^#[0-9a-f]{6}$/.test(c))).toBe(true);
  });
});
