import type { BenchPattern, BenchReference } from '@strata/contract';
import { ARTICLE_RATIOS } from '@strata/contract/bench-ratios';

const PATTERNS: Record<string, BenchPattern> = {
  seq_read: 'seq-read',
  seq_write: 'seq-write',
  rand_read: 'rand-read',
  rand_write: 'rand-write',
};
const BLOCKS: Record<string, number> = { '4KB': 4096, '64KB': 65536, '1MB': 1048576 };
const COLUMNS = ['pattern', 'block_size', 'virtfs', 'virtio_blk', 'ide'] as const;

/** One definition of the article's ratios, shared with the web: this module only re-exports it. */
export { ARTICLE_RATIOS, hostRatios } from '@strata/contract/bench-ratios';

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
  return {
    title: TITLE,
    setup,
    unit: 'KB/s',
    rows,
    ratios: ARTICLE_RATIOS.map(({ id, label, article }) => ({ id, label, value: article })),
  };
}
