import type { BenchCell, BenchPattern, BenchTarget } from '@strata/contract';

/** Which 9p variant plays the article's VirtFS: its own (msize 100 MB, the largest) or the kernel's default msize. */
type NineP = 'largest-msize' | 'default-msize';
type Side = { target: 'virtio-blk' | 'ide' } | { ninep: NineP };

export interface RatioDef {
  id: string;
  label: string;
  /** The article's figure, from its conclusions. */
  article: number;
  /** Which pattern the article's figure comes from (its numbers fit sequential reads and random writes), then the one to use without it. */
  patterns: [BenchPattern, BenchPattern];
  top: { blockSize: number; side: Side };
  bottom: { blockSize: number; side: Side };
}

const KB4 = 4096;
const MB1 = 1048576;
const virtfs: Side = { ninep: 'largest-msize' };
const SEQ: [BenchPattern, BenchPattern] = ['seq-read', 'seq-write'];
const RAND: [BenchPattern, BenchPattern] = ['rand-write', 'rand-read'];

function versus(
  id: string,
  label: string,
  article: number,
  patterns: [BenchPattern, BenchPattern],
  blockSize: number,
  other: 'virtio-blk' | 'ide',
): RatioDef {
  return { id, label, article, patterns, top: { blockSize, side: virtfs }, bottom: { blockSize, side: { target: other } } };
}

/** The article's conclusions, each a ratio this host's run can be set beside. */
export const RATIOS: readonly RatioDef[] = [
  versus('small-rand-blk', 'Small random (4 KB): VirtFS ÷ virtio-blk', 3.35, RAND, KB4, 'virtio-blk'),
  versus('small-rand-ide', 'Small random (4 KB): VirtFS ÷ IDE', 5.81, RAND, KB4, 'ide'),
  versus('small-seq-blk', 'Small sequential (4 KB): VirtFS ÷ virtio-blk', 1.87, SEQ, KB4, 'virtio-blk'),
  versus('small-seq-ide', 'Small sequential (4 KB): VirtFS ÷ IDE', 4.08, SEQ, KB4, 'ide'),
  versus('large-rand-blk', 'Large random (1 MB): VirtFS ÷ virtio-blk', 3.1, RAND, MB1, 'virtio-blk'),
  versus('large-rand-ide', 'Large random (1 MB): VirtFS ÷ IDE', 2.51, RAND, MB1, 'ide'),
  versus('large-seq-blk', 'Large sequential (1 MB): VirtFS ÷ virtio-blk', 1.9, SEQ, MB1, 'virtio-blk'),
  versus('large-seq-ide', 'Large sequential (1 MB): VirtFS ÷ IDE', 2.74, SEQ, MB1, 'ide'),
  {
    id: 'block-large-msize',
    label: '9p with a large msize: 1 MB blocks ÷ 4 KB blocks',
    article: 18.35,
    patterns: SEQ,
    top: { blockSize: MB1, side: { ninep: 'largest-msize' } },
    bottom: { blockSize: KB4, side: { ninep: 'largest-msize' } },
  },
  {
    id: 'block64-large-msize',
    label: '9p with a large msize: 64 KB blocks ÷ 4 KB blocks',
    article: 9.17,
    patterns: SEQ,
    top: { blockSize: 65536, side: { ninep: 'largest-msize' } },
    bottom: { blockSize: KB4, side: { ninep: 'largest-msize' } },
  },
  {
    id: 'block-default-msize',
    label: '9p with the kernel’s default msize: 1 MB blocks ÷ 4 KB blocks',
    article: 1.11,
    patterns: SEQ,
    top: { blockSize: MB1, side: { ninep: 'default-msize' } },
    bottom: { blockSize: KB4, side: { ninep: 'default-msize' } },
  },
  {
    id: 'block64-default-msize',
    label: '9p with the kernel’s default msize: 64 KB blocks ÷ 4 KB blocks',
    article: 1.09,
    patterns: SEQ,
    top: { blockSize: 65536, side: { ninep: 'default-msize' } },
    bottom: { blockSize: KB4, side: { ninep: 'default-msize' } },
  },
];

/** The 9p variant a side means: the numerically largest msize, or the one that left msize to the kernel. */
export function ninePVariant(cells: readonly BenchCell[], which: NineP): string | null {
  const ninep = cells.filter((c) => c.target === '9p');
  if (which === 'default-msize') {
    const d =
      ninep.find((c) => typeof c.options.msize !== 'number') ?? ninep.find((c) => /default/i.test(c.variant) && !/strata/i.test(c.variant));
    return d?.variant ?? null;
  }
  let best: BenchCell | undefined;
  for (const c of ninep) if (typeof c.options.msize === 'number' && (!best || c.options.msize > (best.options.msize as number))) best = c;
  return best?.variant ?? null;
}

function pick(cells: readonly BenchCell[], pattern: BenchPattern, blockSize: number, side: Side): BenchCell | undefined {
  const target: BenchTarget = 'target' in side ? side.target : '9p';
  const variant = 'ninep' in side ? ninePVariant(cells, side.ninep) : null;
  if ('ninep' in side && variant === null) return undefined;
  return cells.find(
    (c) => c.target === target && c.pattern === pattern && c.blockSize === blockSize && (variant === null || c.variant === variant),
  );
}

const measured = (c: BenchCell | undefined): number | null =>
  c && c.state === 'done' && c.bytesPerSec !== null && c.bytesPerSec > 0 ? c.bytesPerSec : null;

export interface HostRatio {
  def: RatioDef;
  value: number | null;
  /** The pattern the value was measured with, or null when the run holds no pair for either pattern. */
  pattern: BenchPattern | null;
}

/** This host's value for each of the article's ratios, from the first of its two patterns the run measured both sides of. */
export function hostRatios(cells: readonly BenchCell[]): HostRatio[] {
  return RATIOS.map((def) => {
    for (const pattern of def.patterns) {
      const top = measured(pick(cells, pattern, def.top.blockSize, def.top.side));
      const bottom = measured(pick(cells, pattern, def.bottom.blockSize, def.bottom.side));
      if (top !== null && bottom !== null) return { def, value: top / bottom, pattern };
    }
    return { def, value: null, pattern: null };
  });
}

export const formatRatio = (v: number | null): string => (v === null || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`);
