import type { BenchCell, BenchPattern, BenchReference, BenchTarget } from '@strata/contract';
import { ARTICLE_MSIZE } from './bench-matrix.js';

const PATTERNS: Record<string, BenchPattern> = {
  seq_read: 'seq-read',
  seq_write: 'seq-write',
  rand_read: 'rand-read',
  rand_write: 'rand-write',
};
const BLOCKS: Record<string, number> = { '4KB': 4096, '64KB': 65536, '1MB': 1048576 };
const COLUMNS = ['pattern', 'block_size', 'virtfs', 'virtio_blk', 'ide'] as const;

type Side = { target: BenchTarget; variant?: string };
type Class = { random: boolean; blockSize: number };
interface RatioSpec {
  label: string;
  article: number;
  /** numerator ÷ denominator, each the mean of the read and write rates of its class. */
  over: [Side & Class, Side & Class];
}

const VIRTFS: Side = { target: '9p', variant: `msize ${ARTICLE_MSIZE}` };
const KERNEL_9P: Side = { target: '9p', variant: 'kernel default msize' };
const SMALL = 4096;
const LARGE = 1048576;
const pair = (label: string, article: number, a: Side, b: Side, random: boolean, blockSize: number): RatioSpec => ({
  label,
  article,
  over: [
    { ...a, random, blockSize },
    { ...b, random, blockSize },
  ],
});
const blocks = (label: string, article: number, side: Side, blockSize: number): RatioSpec => ({
  label,
  article,
  over: [
    { ...side, random: false, blockSize },
    { ...side, random: false, blockSize: SMALL },
  ],
});

/** The article's conclusions, as it published them. */
export const ARTICLE_RATIOS: RatioSpec[] = [
  pair('VirtFS ÷ virtio, small random (4 KB)', 3.35, VIRTFS, { target: 'virtio-blk' }, true, SMALL),
  pair('VirtFS ÷ virtio, small sequential (4 KB)', 1.87, VIRTFS, { target: 'virtio-blk' }, false, SMALL),
  pair('VirtFS ÷ virtio, large random (1 MB)', 3.1, VIRTFS, { target: 'virtio-blk' }, true, LARGE),
  pair('VirtFS ÷ virtio, large sequential (1 MB)', 1.9, VIRTFS, { target: 'virtio-blk' }, false, LARGE),
  pair('VirtFS ÷ IDE, small random (4 KB)', 5.81, VIRTFS, { target: 'ide' }, true, SMALL),
  pair('VirtFS ÷ IDE, small sequential (4 KB)', 4.08, VIRTFS, { target: 'ide' }, false, SMALL),
  pair('VirtFS ÷ IDE, large random (1 MB)', 2.51, VIRTFS, { target: 'ide' }, true, LARGE),
  pair('VirtFS ÷ IDE, large sequential (1 MB)', 2.74, VIRTFS, { target: 'ide' }, false, LARGE),
  blocks('VirtFS 1 MB ÷ 4 KB, large msize', 18.35, VIRTFS, LARGE),
  blocks('VirtFS 64 KB ÷ 4 KB, large msize', 9.17, VIRTFS, 65536),
  blocks('VirtFS 1 MB ÷ 4 KB, default msize', 1.11, KERNEL_9P, LARGE),
  blocks('VirtFS 64 KB ÷ 4 KB, default msize', 1.09, KERNEL_9P, 65536),
];

function classRate(cells: BenchCell[], s: Side & Class): number | null {
  const patterns: BenchPattern[] = s.random ? ['rand-read', 'rand-write'] : ['seq-read', 'seq-write'];
  const rates = patterns.map(
    (pattern) =>
      cells.find(
        (c) =>
          c.target === s.target &&
          (s.variant === undefined || c.variant === s.variant) &&
          c.pattern === pattern &&
          c.blockSize === s.blockSize &&
          c.state === 'done',
      )?.bytesPerSec ?? null,
  );
  const measured = rates.filter((r): r is number => r !== null && r > 0);
  return measured.length === 0 ? null : measured.reduce((a, b) => a + b, 0) / measured.length;
}

/** This host's figure for each of the article's ratios (mean of reads and writes of the class), null where a side was not measured. */
export function hostRatios(cells: BenchCell[]): { label: string; value: number | null; article: number }[] {
  return ARTICLE_RATIOS.map(({ label, article, over: [a, b] }) => {
    const top = classRate(cells, a);
    const bottom = classRate(cells, b);
    return { label, article, value: top === null || bottom === null ? null : top / bottom };
  });
}

const TITLE = 'The VirtFS article: VirtFS, virtio and IDE disk throughput';

/**
 * The article's table from its CSV: `#` lines are the description, then a header naming the
 * columns, then one row per pattern and block size; an empty value is one the article left unreadable.
 */
export function parseReferenceCsv(text: string): BenchReference {
  const lines = text.split(/\r?\n/);
  const setup = lines
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^#\s?/, '').trim())
    .join(' ');
  const data = lines.filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = data
    .shift()
    ?.split(',')
    .map((h) => h.trim());
  if (!header || COLUMNS.some((c, i) => header[i] !== c)) throw new Error(`the table's header must be ${COLUMNS.join(',')}`);
  const value = (cell: string | undefined, line: number): number | null => {
    if (cell === undefined || cell.trim() === '') return null;
    const n = Number(cell);
    if (!Number.isFinite(n) || n < 0) throw new Error(`line ${line}: '${cell}' is not a throughput`);
    return n;
  };
  const rows = data.map((line, i) => {
    const [pattern, block, virtfs, virtioBlk, ide, ...extra] = line.split(',').map((c) => c.trim());
    const where = i + 2;
    if (extra.length > 0) throw new Error(`line ${where}: more columns than the header`);
    const p = PATTERNS[pattern ?? ''];
    const b = BLOCKS[block ?? ''];
    if (!p) throw new Error(`line ${where}: '${pattern}' is not a pattern`);
    if (!b) throw new Error(`line ${where}: '${block}' is not a block size`);
    return { pattern: p, blockSize: b, virtfs: value(virtfs, where), virtioBlk: value(virtioBlk, where), ide: value(ide, where) };
  });
  return { title: TITLE, setup, unit: 'KB/s', rows, ratios: ARTICLE_RATIOS.map(({ label, article }) => ({ label, value: article })) };
}
