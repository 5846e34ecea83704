import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BenchCell } from '@strata/contract';
import { ARTICLE_MSIZE, expandCells, resolveMatrix, variantsOf, DEFAULT_SIZE_MIB } from '../src/bench-matrix.js';
import { parseFio } from '../src/bench-fio.js';
import { recommendations } from '../src/bench-recommend.js';
import { hostRatios as sharedRatios } from '@strata/contract/bench-ratios';
import { hostRatios, parseReferenceCsv } from '../src/bench-reference.js';
import { NINEP_DEFAULTS, VIRTIOFS_DEFAULTS } from '../src/share-options.js';

const fioJson = (side: 'read' | 'write', fields: Record<string, unknown>) => ({ jobs: [{ error: 0, [side]: fields }] });

describe('benchmark matrix', () => {
  it('defaults to every target, pattern and block size, with each variant of 9p and virtiofs', () => {
    const m = resolveMatrix({});
    expect(m.sizeMiB).toBe(DEFAULT_SIZE_MIB);
    const cells = expandCells(m);
    const perTarget = 4 * 3;
    // 9p: three msizes, virtiofs: three cache modes, five single-variant targets.
    expect(cells).toHaveLength(perTarget * (3 + 3 + 5));
    expect(new Set(cells.filter((c) => c.target === '9p').map((c) => c.variant))).toEqual(
      new Set(['msize 100 MB', `msize ${NINEP_DEFAULTS.msize / 1024} KiB`, 'kernel default msize']),
    );
    expect(cells.every((c) => c.state === 'pending' && c.bytesPerSec === null)).toBe(true);
  });

  it('keeps the canonical order whatever order was asked, and writes before reads at each block size', () => {
    const m = resolveMatrix({ targets: ['virtio-blk', '9p'], patterns: ['seq-read', 'seq-write'], blockSizes: [65536] });
    expect(m.targets).toEqual(['9p', 'virtio-blk']);
    const cells = expandCells(m);
    expect(cells.slice(0, 2).map((c) => c.pattern)).toEqual(['seq-write', 'seq-read']);
    expect(cells.filter((c) => c.target === 'virtio-blk').map((c) => `${c.pattern}@${c.blockSize}`)).toEqual([
      'seq-write@65536',
      'seq-read@65536',
    ]);
  });

  it("marks Strata's defaults and leaves msize out for the kernel's", () => {
    const ninep = variantsOf('9p');
    expect(ninep.filter((v) => v.isDefault)).toHaveLength(1);
    expect(ninep.find((v) => v.variant === 'kernel default msize')!.options.msize).toBe('kernel default');
    expect(ninep[0]!.options.msize).toBe(ARTICLE_MSIZE);
    expect(variantsOf('virtiofs').find((v) => v.isDefault)!.options.cache).toBe(VIRTIOFS_DEFAULTS.cache);
  });
});

describe("fio's JSON from a guest", () => {
  it('gives bytes per second from bytes over runtime, and iops', () => {
    const r = parseFio(fioJson('read', { io_bytes: 16777216, runtime: 500, iops: 256.5, bw_bytes: 33554432 }), 'read');
    expect(r).toEqual({ ok: true, bytesPerSec: 33554432, iops: 256.5, ioBytes: 16777216, runtimeMs: 500 });
  });

  it.each([
    ['not an object', 'garbage', /no jobs/],
    ['no jobs', { jobs: [] }, /no jobs/],
    ['a job that is a string', { jobs: ['x'] }, /not an object/],
    ['the other direction only', fioJson('write', { io_bytes: 1, runtime: 1, iops: 1, bw_bytes: 1 }), /no read figures/],
    ['a missing field', fioJson('read', { runtime: 1, iops: 1, bw_bytes: 1 }), /io_bytes is missing/],
    ['NaN as a string', fioJson('read', { io_bytes: 'NaN', runtime: 1, iops: 1, bw_bytes: 1 }), /io_bytes is missing or not a number/],
    ['a negative runtime', fioJson('read', { io_bytes: 10, runtime: -5, iops: 1, bw_bytes: 1 }), /negative/],
    ['a huge bandwidth', fioJson('read', { io_bytes: 10, runtime: 5, iops: 1, bw_bytes: 1e300 }), /implausibly large/],
    ['an implausible ratio', fioJson('read', { io_bytes: 1e14, runtime: 1, iops: 1, bw_bytes: 1 }), /implausible/],
    ['no I/O at all', fioJson('read', { io_bytes: 0, runtime: 0, iops: 0, bw_bytes: 0 }), /did no reads/],
    ['a failed job', { jobs: [{ error: 5, read: {} }] }, /error 5/],
  ])('refuses %s with a reason, never a crash', (_what, raw, reason) => {
    const r = parseFio(raw, 'read');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });

  it('refuses Infinity from a JSON-less caller too', () => {
    expect(parseFio(fioJson('write', { io_bytes: Infinity, runtime: 1, iops: 1, bw_bytes: 1 }), 'write').ok).toBe(false);
  });
});

const cell = (
  target: BenchCell['target'],
  variant: string,
  pattern: BenchCell['pattern'],
  blockSize: number,
  rate: number | null,
  extra: Partial<BenchCell> = {},
): BenchCell => ({
  target,
  variant,
  options: {},
  pattern,
  blockSize,
  state: rate === null ? 'failed' : 'done',
  bytesPerSec: rate,
  iops: rate === null ? null : rate / blockSize,
  ...extra,
});

describe('recommendations', () => {
  const defaultNinep = `msize ${NINEP_DEFAULTS.msize / 1024} KiB`;
  const ninep = (variant: string, read: number, write: number) => [
    cell('9p', variant, 'seq-read', 1048576, read),
    cell('9p', variant, 'seq-write', 1048576, write),
  ];

  it('names the fastest variant for 1 MB sequential I/O and says when the default is more than 10% behind', () => {
    const cells = [
      ...ninep('msize 100 MB', 90e6, 100e6),
      ...ninep(defaultNinep, 200e6, 200e6),
      ...ninep('kernel default msize', 300e6, 200e6),
    ];
    const [r] = recommendations(cells);
    expect(r).toMatchObject({ target: '9p', bestVariant: 'kernel default msize', bestBytesPerSec: 250e6, defaultVariant: defaultNinep });
    expect(r!.defaultBytesPerSec).toBe(200e6);
    expect(r!.defaultBehind).toBe(true);
    expect(r!.message).toMatch(/20%/);
    const defaultVfs = `cache=${VIRTIOFS_DEFAULTS.cache}`;
    const otherVfs = defaultVfs === 'cache=always' ? 'cache=auto' : 'cache=always';
    const virtiofs = recommendations([
      cell('virtiofs', defaultVfs, 'seq-read', 1048576, 100e6),
      cell('virtiofs', defaultVfs, 'seq-write', 1048576, 100e6),
      cell('virtiofs', otherVfs, 'seq-read', 1048576, 130e6),
      cell('virtiofs', otherVfs, 'seq-write', 1048576, 130e6),
    ]);
    expect(virtiofs[0]).toMatchObject({ bestVariant: otherVfs, defaultVariant: defaultVfs, defaultBehind: true });
  });

  it('calls two msizes the guest caps to the same value noise, never the default behind', () => {
    const [r] = recommendations([...ninep('msize 100 MB', 300e6, 300e6), ...ninep(defaultNinep, 150e6, 150e6)]);
    expect(r).toMatchObject({ bestVariant: 'msize 100 MB', defaultBehind: false });
    // The message names msizes as the web's column headings do, never as bare byte counts.
    expect(r!.message).toMatch(/^msize 100 MB .* same msize 500 KiB in the guest/);
    expect(r!.message).not.toMatch(/\d{6,}/);
  });

  it('is not behind within 10%, nor when the default is the best', () => {
    const close = recommendations([...ninep('kernel default msize', 210e6, 210e6), ...ninep(defaultNinep, 200e6, 200e6)]);
    expect(close[0]!.defaultBehind).toBe(false);
    const best = recommendations([...ninep(defaultNinep, 300e6, 300e6), ...ninep('kernel default msize', 100e6, 100e6)]);
    expect(best[0]).toMatchObject({ bestVariant: defaultNinep, defaultBehind: false });
  });

  it('leaves out single-variant targets and variants missing a direction', () => {
    const cells = [
      cell('virtio-blk', 'virtio-blk', 'seq-read', 1048576, 100e6),
      cell('virtio-blk', 'virtio-blk', 'seq-write', 1048576, 100e6),
      cell('virtiofs', 'cache=none', 'seq-read', 1048576, 100e6),
      cell('virtiofs', 'cache=auto', 'seq-read', 1048576, 500e6),
      cell('virtiofs', 'cache=auto', 'seq-write', 1048576, null),
    ];
    expect(recommendations(cells)).toEqual([]);
  });
});

describe("the VirtFS article's table", () => {
  const csv = readFileSync(new URL('../../../apps/server/reference/virtfs-article-table.csv', import.meta.url), 'utf8');

  it('parses the shipped file: twelve rows, the illegible value as null, the ratios attached', () => {
    const ref = parseReferenceCsv(csv);
    expect(ref.rows).toHaveLength(12);
    expect(ref.rows[0]).toEqual({ pattern: 'seq-read', blockSize: 4096, virtfs: 36650, virtioBlk: 19613, ide: 8979 });
    expect(ref.rows.at(-1)).toEqual({ pattern: 'rand-write', blockSize: 1048576, virtfs: 602878, virtioBlk: 194688, ide: null });
    expect(ref.setup).toMatch(/msize=100000000/);
    expect(ref.setup).not.toMatch(/seed/i);
    expect(ref.ratios.map((r) => r.value)).toEqual([3.35, 5.81, 1.87, 4.08, 3.1, 2.51, 1.9, 2.74, 18.35, 9.17, 1.11, 1.09]);
    expect(ref.ratios[2]).toEqual({ id: 'small-seq-blk', label: 'Small sequential (4 KB): VirtFS ÷ virtio-blk', value: 1.87 });
  });

  it.each([
    ['a wrong header', 'a,b,c\n', /header/],
    ['an unknown pattern', 'pattern,block_size,virtfs,virtio_blk,ide\nseq_jump,4KB,1,2,3\n', /not a pattern/],
    ['an unknown block size', 'pattern,block_size,virtfs,virtio_blk,ide\nseq_read,3KB,1,2,3\n', /not a block size/],
    ['a word for a number', 'pattern,block_size,virtfs,virtio_blk,ide\nseq_read,4KB,fast,2,3\n', /not a throughput/],
    ['an extra column', 'pattern,block_size,virtfs,virtio_blk,ide\nseq_read,4KB,1,2,3,4\n', /more columns/],
  ])('refuses %s', (_what, text, reason) => {
    expect(() => parseReferenceCsv(text)).toThrow(reason);
  });

  it("computes this host's ratios with the web's definition: the article's pattern first, the other direction standing in", () => {
    expect(hostRatios).toBe(sharedRatios);
    const cells = [
      cell('9p', 'msize 100 MB', 'rand-read', 4096, 30e6, { options: { msize: ARTICLE_MSIZE } }),
      cell('9p', 'msize 100 MB', 'rand-write', 4096, 10e6, { options: { msize: ARTICLE_MSIZE } }),
      cell('virtio-blk', 'virtio-blk', 'rand-read', 4096, 10e6),
      cell('virtio-blk', 'virtio-blk', 'rand-write', 4096, 5e6),
    ];
    const ratios = hostRatios(cells);
    // Random writes, as the article: 10 / 5, not the mean of reads and writes (20 / 7.5).
    expect(ratios[0]).toEqual({
      id: 'small-rand-blk',
      label: 'Small random (4 KB): VirtFS ÷ virtio-blk',
      article: 3.35,
      value: 2,
      pattern: 'rand-write',
    });
    expect(ratios[1]!.value).toBeNull();
    const readsOnly = hostRatios(cells.filter((c) => c.pattern === 'rand-read'));
    expect(readsOnly[0]).toMatchObject({ value: 3, pattern: 'rand-read' });
  });
});
