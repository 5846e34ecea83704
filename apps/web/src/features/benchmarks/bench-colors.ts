import type { BenchTarget } from '@strata/contract';
import type { Column } from './bench-table';

// Mid tones that read on white and on slate-900 alike; a target's variants share a hue family.
const PALETTE: Record<BenchTarget, string[]> = {
  '9p': ['#6366f1', '#a78bfa', '#4338ca'],
  virtiofs: ['#10b981', '#2dd4bf', '#047857'],
  'virtio-blk': ['#f59e0b'],
  'virtio-scsi': ['#ea580c'],
  ide: ['#f43f5e'],
  hostfs: ['#0ea5e9'],
  ubd: ['#d946ef'],
};

/** A colour per column, stable across a run's charts: the n-th variant of a target takes its family's n-th shade. */
export function columnColors(columns: readonly Column[]): string[] {
  const used = new Map<BenchTarget, number>();
  return columns.map((c) => {
    const n = used.get(c.target) ?? 0;
    used.set(c.target, n + 1);
    const family = PALETTE[c.target];
    return family[n % family.length] ?? '#64748b';
  });
}
