import type { BenchCell, BenchmarkRun, BenchPattern } from '@strata/contract';
import { columnKey, columnsOf, patternsOf, toMBps } from './bench-table';
import { blockLabel, patternLabel } from './bench-words';

export interface CompareRow {
  pattern: BenchPattern;
  blockSize: number;
  label: string;
  a: BenchCell | undefined;
  b: BenchCell | undefined;
  /** MB/s of each side (null where not measured) and B ÷ A where both were. */
  aMBps: number | null;
  bMBps: number | null;
  ratio: number | null;
}

const value = (c: BenchCell | undefined) => (c && c.state === 'done' ? toMBps(c.bytesPerSec) : null);

/** Every cell either run measured, matched by pattern, block size, target and variant, in the article's order. */
export function compareRuns(a: Pick<BenchmarkRun, 'cells' | 'options'>, b: Pick<BenchmarkRun, 'cells' | 'options'>): CompareRow[] {
  const columns = columnsOf([...a.cells, ...b.cells]);
  const key = (c: Pick<BenchCell, 'target' | 'variant' | 'pattern' | 'blockSize'>) =>
    `${c.pattern}\u0000${c.blockSize}\u0000${columnKey(c)}`;
  const aBy = new Map(a.cells.map((c) => [key(c), c]));
  const bBy = new Map(b.cells.map((c) => [key(c), c]));
  const patterns = patternsOf({
    cells: [...a.cells, ...b.cells],
    options: { ...a.options, patterns: [...a.options.patterns, ...b.options.patterns] },
  });
  const sizes = [...new Set([...a.cells, ...b.cells].map((c) => c.blockSize))].sort((x, y) => x - y);
  const rows: CompareRow[] = [];
  for (const pattern of patterns)
    for (const blockSize of sizes)
      for (const col of columns) {
        const k = key({ ...col, pattern, blockSize });
        const [ca, cb] = [aBy.get(k), bBy.get(k)];
        if (!ca && !cb) continue;
        const [aMBps, bMBps] = [value(ca), value(cb)];
        rows.push({
          pattern,
          blockSize,
          label: col.label,
          a: ca,
          b: cb,
          aMBps,
          bMBps,
          ratio: aMBps && bMBps !== null ? bMBps / aMBps : null,
        });
      }
  return rows;
}

/**
 * A field as RFC 4180 wants it, and never read as a formula by a spreadsheet: a variant's name
 * comes from the server but is still text, and "=…" in a cell would run on opening.
 */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const round = (v: number | null, digits: number) => (v === null ? null : Number(v.toFixed(digits)));

/** The comparison as CSV, MB/s (10^6 bytes per second) and B ÷ A, one line per cell. */
export function compareCsv(rows: readonly CompareRow[], a: { id: string }, b: { id: string }): string {
  const head = ['pattern', 'block_size', 'target_variant', `run_a_MBps (${a.id})`, `run_b_MBps (${b.id})`, 'ratio_b_over_a'];
  const lines = rows.map((r) =>
    [patternLabel(r.pattern), blockLabel(r.blockSize), r.label, round(r.aMBps, 3), round(r.bMBps, 3), round(r.ratio, 3)]
      .map(csvField)
      .join(','),
  );
  return [head.map(csvField).join(','), ...lines].join('\r\n') + '\r\n';
}
