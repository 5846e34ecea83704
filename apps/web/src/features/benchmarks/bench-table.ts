import type { BenchCell, BenchmarkRun, BenchPattern, BenchReference, BenchTarget } from '@strata/contract';
import { columnLabel, TARGETS } from './bench-words';

/** One column of a run's tables and one bar of each group in its charts: a target's variant. */
export interface Column {
  key: string;
  target: BenchTarget;
  variant: string;
  label: string;
}

export const columnKey = (c: { target: BenchTarget; variant: string }): string => `${c.target}\u0000${c.variant}`;

/** The run's variants, targets in the contract's order and each target's variants in the order the run measured them. */
export function columnsOf(cells: readonly BenchCell[]): Column[] {
  const order = (t: BenchTarget) => TARGETS.findIndex((i) => i.target === t);
  const seen = new Map<string, Column & { first: number }>();
  cells.forEach((c, i) => {
    const key = columnKey(c);
    if (!seen.has(key)) seen.set(key, { key, target: c.target, variant: c.variant, label: columnLabel(c.target, c.variant), first: i });
  });
  return [...seen.values()]
    .sort((a, b) => order(a.target) - order(b.target) || a.first - b.first)
    .map(({ key, target, variant, label }) => ({ key, target, variant, label }));
}

export interface PatternRow {
  blockSize: number;
  /** One per column, in the columns' order; undefined where the run has no such cell. */
  cells: (BenchCell | undefined)[];
}

/** The article's layout for one pattern: a row per block size, smallest first, a column per variant. */
export function patternRows(run: Pick<BenchmarkRun, 'cells' | 'options'>, pattern: BenchPattern, columns: readonly Column[]): PatternRow[] {
  const sizes = [...new Set([...run.options.blockSizes, ...run.cells.filter((c) => c.pattern === pattern).map((c) => c.blockSize)])].sort(
    (a, b) => a - b,
  );
  const byKey = new Map(run.cells.filter((c) => c.pattern === pattern).map((c) => [`${columnKey(c)}\u0000${c.blockSize}`, c]));
  return sizes.map((blockSize) => ({ blockSize, cells: columns.map((col) => byKey.get(`${col.key}\u0000${blockSize}`)) }));
}

/** The patterns the run measured, in the article's order (sequential before random, read before write). */
export function patternsOf(run: Pick<BenchmarkRun, 'cells' | 'options'>): BenchPattern[] {
  const present = new Set<BenchPattern>([...run.options.patterns, ...run.cells.map((c) => c.pattern)]);
  return (['seq-read', 'seq-write', 'rand-read', 'rand-write'] as const).filter((p) => present.has(p));
}

/** MB/s throughout the page is 10^6 bytes per second, as the article's KB/s is read as 10^3 bytes. */
export const toMBps = (bytesPerSec: number | null | undefined): number | null =>
  bytesPerSec === null || bytesPerSec === undefined || !Number.isFinite(bytesPerSec) ? null : bytesPerSec / 1e6;

export const kbpsToMBps = (kbps: number | null): number | null => (kbps === null || !Number.isFinite(kbps) ? null : kbps / 1e3);

/** Three significant digits at most, never a long tail: 0.512, 5.43, 45.1, 672 (a heading names the unit). */
export function formatMBpsNumber(mbps: number | null): string {
  if (mbps === null) return '—';
  const digits = mbps >= 100 ? 0 : mbps >= 10 ? 1 : mbps >= 1 ? 2 : 3;
  return mbps.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export const formatMBps = (mbps: number | null): string => (mbps === null ? '—' : `${formatMBpsNumber(mbps)} MB/s`);

export function formatIops(iops: number | null): string {
  if (iops === null || !Number.isFinite(iops)) return '—';
  return `${Math.round(iops).toLocaleString('en-US')} IOPS`;
}

export interface ReferenceRow {
  blockSize: number;
  virtfs: number | null;
  virtioBlk: number | null;
  ide: number | null;
}

/** The article's rows for one pattern, in MB/s, smallest block first. */
export function referenceRows(ref: BenchReference, pattern: BenchPattern): ReferenceRow[] {
  return ref.rows
    .filter((r) => r.pattern === pattern)
    .sort((a, b) => a.blockSize - b.blockSize)
    .map((r) => ({ blockSize: r.blockSize, virtfs: kbpsToMBps(r.virtfs), virtioBlk: kbpsToMBps(r.virtioBlk), ide: kbpsToMBps(r.ide) }));
}

/**
 * Cells measured through the guest's cache carry a note on how caches were dropped instead; each
 * distinct note is numbered once, so a table marks its cells with a footnote number.
 */
export function cellNotes(cells: readonly (BenchCell | undefined)[]): Map<string, number> {
  const notes = new Map<string, number>();
  for (const c of cells) if (c && c.direct === false && c.note && !notes.has(c.note)) notes.set(c.note, notes.size + 1);
  return notes;
}

/** Cells finished in any way (measured, failed or skipped) over all cells: the run's progress. */
export function progressOf(cells: readonly BenchCell[]): { done: number; total: number; failed: number; current: BenchCell | undefined } {
  return {
    done: cells.filter((c) => c.state === 'done' || c.state === 'failed' || c.state === 'skipped').length,
    total: cells.length,
    failed: cells.filter((c) => c.state === 'failed').length,
    current: cells.find((c) => c.state === 'running'),
  };
}
