import type { BenchCell, BenchRecommendation, BenchTarget } from '@strata/contract';
import { msizeVariant } from '@strata/contract/bench-names';
import { variantsOf, type BenchVariant } from './bench-matrix.js';

const LARGE = 1048576;
/** The default is called behind when it is more than this fraction below the best variant. */
export const BEHIND_FRACTION = 0.1;

const formatRate = (bytesPerSec: number) => `${(bytesPerSec / 1e6).toFixed(1)} MB/s`;

/**
 * The default guest's kernel (Linux 6.1) caps a 9p mount's msize at what its virtio transport
 * carries: its console says "9pnet: Limiting 'msize' to 512000 as this is the maximum supported by
 * transport virtio", and /proc/mounts shows msize=512000 for both 100000000 and 524288.
 */
export const GUEST_9P_MAX_MSIZE = 512000;

/** What the guest really uses: two variants with the same value differ only by measurement noise. */
const effective = (v: BenchVariant): string =>
  v.target === '9p' && typeof v.options.msize === 'number' ? msizeVariant(Math.min(v.options.msize, GUEST_9P_MAX_MSIZE)) : v.variant;

/** Mean of the variant's 1 MB sequential read and write, or null when either is missing. */
function largeSequential(cells: BenchCell[], target: BenchTarget, variant: string): number | null {
  const rate = (pattern: BenchCell['pattern']) =>
    cells.find((c) => c.target === target && c.variant === variant && c.blockSize === LARGE && c.pattern === pattern && c.state === 'done')
      ?.bytesPerSec ?? null;
  const read = rate('seq-read');
  const write = rate('seq-write');
  return read === null || write === null ? null : (read + write) / 2;
}

/**
 * For each target with variants (9p msize, virtiofs cache mode): the fastest here for 1 MB
 * sequential reads and writes, and whether Strata's default is more than 10% behind it.
 */
export function recommendations(cells: BenchCell[]): BenchRecommendation[] {
  const targets = [...new Set(cells.map((c) => c.target))];
  return targets.flatMap((target) => {
    const variants = variantsOf(target);
    if (variants.length < 2) return [];
    const measured = variants.flatMap((v) => {
      const rate = largeSequential(cells, target, v.variant);
      return rate === null ? [] : [{ ...v, rate }];
    });
    if (measured.length === 0) return [];
    const best = measured.reduce((a, b) => (b.rate > a.rate ? b : a));
    const strata = measured.find((v) => v.isDefault) ?? null;
    const same = strata !== null && strata.variant !== best.variant && effective(strata) === effective(best);
    const behind = !same && strata !== null && strata.rate < best.rate * (1 - BEHIND_FRACTION);
    const message = same
      ? `${best.variant} (${formatRate(best.rate)}) and Strata's default ${strata.variant} (${formatRate(strata.rate)}) are the same ${effective(best)} in the guest, whose virtio transport caps msize: their difference is measurement noise.`
      : strata === null
        ? `${best.variant} was fastest here for 1 MB sequential I/O (${formatRate(best.rate)}); Strata's default was not measured.`
        : strata.variant === best.variant
          ? `Strata's default, ${strata.variant}, was the fastest here for 1 MB sequential I/O (${formatRate(best.rate)}).`
          : behind
            ? `${best.variant} (${formatRate(best.rate)}) beat Strata's default ${strata.variant} (${formatRate(strata.rate)}) by ${Math.round((1 - strata.rate / best.rate) * 100)}% for 1 MB sequential I/O: choose it for this share.`
            : `${best.variant} was fastest for 1 MB sequential I/O (${formatRate(best.rate)}), within 10% of Strata's default ${strata.variant} (${formatRate(strata.rate)}).`;
    return [
      {
        target,
        bestVariant: best.variant,
        bestBytesPerSec: best.rate,
        defaultVariant: strata?.variant ?? null,
        defaultBytesPerSec: strata?.rate ?? null,
        defaultBehind: behind,
        message,
      },
    ];
  });
}
