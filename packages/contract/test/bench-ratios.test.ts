import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARTICLE_RATIOS, hostRatios, ninePVariant, type RatioCell } from '../src/bench-ratios.js';
import { ARTICLE_MSIZE, byteWords, msizeVariant, variantWords } from '../src/bench-names.js';

const PATTERN: Record<string, RatioCell['pattern']> = {
  seq_read: 'seq-read',
  seq_write: 'seq-write',
  rand_read: 'rand-read',
  rand_write: 'rand-write',
};
const BLOCK: Record<string, number> = { '4KB': 4096, '64KB': 65536, '1MB': 1048576 };

const cell = (
  target: string,
  variant: string,
  pattern: RatioCell['pattern'],
  blockSize: number,
  kbps: number | null,
  msize?: number | string,
): RatioCell => ({
  target,
  variant,
  options: msize === undefined ? {} : { msize },
  pattern,
  blockSize,
  state: kbps === null ? 'failed' : 'done',
  bytesPerSec: kbps === null ? null : kbps * 1000,
});

/** The article's table as shipped with the server, as if it were a Strata run: VirtFS is 9p with the article's msize. */
function articleCells(): RatioCell[] {
  const csv = readFileSync(new URL('../../../apps/server/reference/virtfs-article-table.csv', import.meta.url), 'utf8');
  const rows = csv.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('pattern,'));
  expect(rows).toHaveLength(12);
  return rows.flatMap((line) => {
    const [p, b, virtfs, blk, ide] = line.split(',');
    const pattern = PATTERN[p!]!;
    const bs = BLOCK[b!]!;
    const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : Number(v));
    return [
      cell('9p', msizeVariant(ARTICLE_MSIZE), pattern, bs, num(virtfs), ARTICLE_MSIZE),
      cell('virtio-blk', 'virtio-blk', pattern, bs, num(blk)),
      cell('ide', 'ide', pattern, bs, num(ide)),
    ];
  });
}

const byId = (cells: RatioCell[]) => new Map(hostRatios(cells).map((r) => [r.id, r]));

describe("the article's ratios, one definition for the server and the web", () => {
  it("reproduce every ratio the article's table holds both sides of, to two decimals, as the article printed it", () => {
    const r = byId(articleCells());
    const reproducible = [
      'small-rand-blk',
      'small-rand-ide',
      'small-seq-blk',
      'small-seq-ide',
      'large-rand-blk',
      'large-seq-blk',
      'large-seq-ide',
      'block-large-msize',
      'block64-large-msize',
    ];
    for (const id of reproducible) {
      const ratio = r.get(id)!;
      expect(ratio.value, id).not.toBeNull();
      expect(ratio.value!.toFixed(2), id).toBe(ratio.article.toFixed(2));
      expect(ratio.pattern, id).toBe(ARTICLE_RATIOS.find((d) => d.id === id)!.patterns[0]);
    }
    // The article's "sequential" is sequential reads, its "random" random writes: the mean of both would say 1.82, not 1.87.
    expect(r.get('small-seq-blk')!.pattern).toBe('seq-read');
    expect(r.get('large-rand-blk')!.pattern).toBe('rand-write');
  });

  it("stands in with random reads where the article's value is illegible (IDE, random write, 1 MB) and says so", () => {
    const r = byId(articleCells()).get('large-rand-ide')!;
    expect(r.pattern).toBe('rand-read');
    expect(r.value!.toFixed(2)).toBe('2.47');
    // The article's 2.51 needs an IDE figure of 240,190 KB/s or so: its garbled cell reads "2400…".
    const ide = 602878 / 2.51;
    expect(ide).toBeGreaterThan(240000);
    expect(ide).toBeLessThan(240999);
  });

  it("leaves the default-msize ratios unmeasured: the article's table holds only its large msize", () => {
    const r = byId(articleCells());
    expect(r.get('block-default-msize')).toMatchObject({ value: null, pattern: null, article: 1.11 });
    expect(r.get('block64-default-msize')).toMatchObject({ value: null, pattern: null, article: 1.09 });
  });

  it('takes the largest numeric msize as VirtFS and the msize left to the kernel as the default, by options not name', () => {
    const cells = [
      cell('9p', 'kernel default msize', 'seq-read', 4096, 1000, 'kernel default'),
      cell('9p', 'msize 512 KiB', 'seq-read', 4096, 2000, 524288),
      cell('9p', 'msize 100000000', 'seq-read', 4096, 3000, 100000000),
      cell('9p', 'kernel default msize', 'seq-read', 1048576, 1100, 'kernel default'),
      cell('9p', 'msize 100000000', 'seq-read', 1048576, 60000, 100000000),
    ];
    expect(ninePVariant(cells, 'largest-msize')).toBe('msize 100000000');
    expect(ninePVariant(cells, 'default-msize')).toBe('kernel default msize');
    const r = byId(cells);
    expect(r.get('block-large-msize')!.value).toBeCloseTo(20, 6);
    expect(r.get('block-default-msize')!.value).toBeCloseTo(1.1, 6);
  });

  it('ignores failed, zero and non-finite figures', () => {
    const cells = articleCells().map((c) => (c.target === 'virtio-blk' && c.blockSize === 4096 ? { ...c, bytesPerSec: 0 } : c));
    expect(byId(cells).get('small-seq-blk')!.value).toBeNull();
    const inf = articleCells().map((c) =>
      c.target === 'ide' && c.blockSize === 4096 ? { ...c, bytesPerSec: Number.POSITIVE_INFINITY } : c,
    );
    expect(byId(inf).get('small-seq-ide')!.value).toBeNull();
  });

  it("holds the article's twelve figures", () => {
    expect(ARTICLE_RATIOS.map((r) => r.article)).toEqual([3.35, 5.81, 1.87, 4.08, 3.1, 2.51, 1.9, 2.74, 18.35, 9.17, 1.11, 1.09]);
  });
});

describe("9p variants' names", () => {
  it('say msizes in words, one way for headings and recommendations', () => {
    expect(msizeVariant(ARTICLE_MSIZE)).toBe('msize 100 MB');
    expect(msizeVariant(524288)).toBe('msize 512 KiB');
    expect(msizeVariant(512000)).toBe('msize 500 KiB');
    expect(msizeVariant(8192 + 1)).toBe('msize 8193 bytes');
    expect(msizeVariant('kernel default')).toBe('kernel default msize');
    expect(byteWords(1048576)).toBe('1 MiB');
  });

  it('reads runs recorded with bare byte counts the same as new ones', () => {
    expect(variantWords('msize 100000000')).toBe('msize 100 MB');
    expect(variantWords('msize 100 MB')).toBe('msize 100 MB');
    expect(variantWords('cache=auto')).toBe('cache=auto');
  });
});
