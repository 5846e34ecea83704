// The VirtFS article's conclusions as ratios, and this host's figure for each from a run's cells:
// one definition, used by the server (run.ratios, its exports, scripts/bench/shares.ts) and by the
// web (the run page). Plain values, no TypeBox (@strata/contract/bench-ratios).
//
// Which pattern the article's figures come from was found by recomputing them from its own table:
// "sequential" fits sequential READS (4 KB VirtFS ÷ virtio: reads 1.87, writes 1.78, their mean
// 1.82) and "random" fits random WRITES (1 MB VirtFS ÷ virtio: writes 3.10, reads 2.94).

type Pattern = 'seq-read' | 'seq-write' | 'rand-read' | 'rand-write';

/** What the ratios read of a cell; a BenchCell is one. */
export interface RatioCell {
  target: string;
  variant: string;
  options: Readonly<Record<string, string | number | boolean>>;
  pattern: Pattern;
  blockSize: number;
  state: string;
  bytesPerSec: number | null;
}

/** Which 9p variant plays the article's VirtFS: its own (the largest msize) or the kernel's default msize. */
export type NineP = 'largest-msize' | 'default-msize';
type Side = { target: 'virtio-blk' | 'ide' } | { ninep: NineP };

export interface RatioDef {
  id: string;
  label: string;
  /** The article's figure, from its conclusions. */
  article: number;
  /** The pattern the article's figure comes from, then the one that stands in when a run has not that one. */
  patterns: readonly [Pattern, Pattern];
  top: { blockSize: number; side: Side };
  bottom: { blockSize: number; side: Side };
}

const KB4 = 4096;
const KB64 = 65536;
const MB1 = 1048576;
const SEQ = ['seq-read', 'seq-write'] as const;
const RAND = ['rand-write', 'rand-read'] as const;

function versus(
  id: string,
  label: string,
  article: number,
  patterns: RatioDef['patterns'],
  blockSize: number,
  other: 'virtio-blk' | 'ide',
): RatioDef {
  return {
    id,
    label,
    article,
    patterns,
    top: { blockSize, side: { ninep: 'largest-msize' } },
    bottom: { blockSize, side: { target: other } },
  };
}

function blocks(id: string, label: string, article: number, blockSize: number, ninep: NineP): RatioDef {
  return { id, label, article, patterns: SEQ, top: { blockSize, side: { ninep } }, bottom: { blockSize: KB4, side: { ninep } } };
}

/** The article's conclusions, in the order the run page lists them. */
export const ARTICLE_RATIOS: readonly RatioDef[] = [
  versus('small-rand-blk', 'Small random (4 KB): VirtFS ÷ virtio-blk', 3.35, RAND, KB4, 'virtio-blk'),
  versus('small-rand-ide', 'Small random (4 KB): VirtFS ÷ IDE', 5.81, RAND, KB4, 'ide'),
  versus('small-seq-blk', 'Small sequential (4 KB): VirtFS ÷ virtio-blk', 1.87, SEQ, KB4, 'virtio-blk'),
  versus('small-seq-ide', 'Small sequential (4 KB): VirtFS ÷ IDE', 4.08, SEQ, KB4, 'ide'),
  versus('large-rand-blk', 'Large random (1 MB): VirtFS ÷ virtio-blk', 3.1, RAND, MB1, 'virtio-blk'),
  versus('large-rand-ide', 'Large random (1 MB): VirtFS ÷ IDE', 2.51, RAND, MB1, 'ide'),
  versus('large-seq-blk', 'Large sequential (1 MB): VirtFS ÷ virtio-blk', 1.9, SEQ, MB1, 'virtio-blk'),
  versus('large-seq-ide', 'Large sequential (1 MB): VirtFS ÷ IDE', 2.74, SEQ, MB1, 'ide'),
  blocks('block-large-msize', '9p with a large msize: 1 MB blocks ÷ 4 KB blocks', 18.35, MB1, 'largest-msize'),
  blocks('block64-large-msize', '9p with a large msize: 64 KB blocks ÷ 4 KB blocks', 9.17, KB64, 'largest-msize'),
  blocks('block-default-msize', '9p with the kernel’s default msize: 1 MB blocks ÷ 4 KB blocks', 1.11, MB1, 'default-msize'),
  blocks('block64-default-msize', '9p with the kernel’s default msize: 64 KB blocks ÷ 4 KB blocks', 1.09, KB64, 'default-msize'),
];

/**
 * The 9p variant a side means, told by its options rather than its name (names changed once):
 * the numerically largest msize, or the one that left msize to the kernel.
 */
export function ninePVariant(cells: readonly RatioCell[], which: NineP): string | null {
  const ninep = cells.filter((c) => c.target === '9p');
  if (which === 'default-msize') return ninep.find((c) => typeof c.options.msize !== 'number')?.variant ?? null;
  let best: { variant: string; msize: number } | null = null;
  for (const c of ninep) {
    const msize = c.options.msize;
    if (typeof msize === 'number' && (!best || msize > best.msize)) best = { variant: c.variant, msize };
  }
  return best?.variant ?? null;
}

function rate(cells: readonly RatioCell[], pattern: Pattern, blockSize: number, side: Side): number | null {
  const variant = 'ninep' in side ? ninePVariant(cells, side.ninep) : null;
  if ('ninep' in side && variant === null) return null;
  const target = 'target' in side ? side.target : '9p';
  const c = cells.find(
    (x) => x.target === target && x.pattern === pattern && x.blockSize === blockSize && (variant === null || x.variant === variant),
  );
  return c && c.state === 'done' && c.bytesPerSec !== null && Number.isFinite(c.bytesPerSec) && c.bytesPerSec > 0 ? c.bytesPerSec : null;
}

export interface HostRatio {
  id: string;
  label: string;
  article: number;
  /** This host's figure, or null when the run holds no measured pair for either pattern. */
  value: number | null;
  /** The pattern the value was measured with (the article's own, or the one standing in), or null. */
  pattern: Pattern | null;
}

/** This host's figure for each of the article's ratios, from the first of its two patterns the run measured both sides of. */
export function hostRatios(cells: readonly RatioCell[]): HostRatio[] {
  return ARTICLE_RATIOS.map(({ id, label, article, patterns, top, bottom }) => {
    for (const pattern of patterns) {
      const a = rate(cells, pattern, top.blockSize, top.side);
      const b = rate(cells, pattern, bottom.blockSize, bottom.side);
      if (a !== null && b !== null) return { id, label, article, value: a / b, pattern };
    }
    return { id, label, article, value: null, pattern: null };
  });
}

/** The article's own pattern for a ratio, to say when a stand-in was measured instead. */
export const articlePattern = (id: string): Pattern | null => ARTICLE_RATIOS.find((r) => r.id === id)?.patterns[0] ?? null;
