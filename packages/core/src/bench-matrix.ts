import {
  BENCH_BLOCK_SIZES,
  BENCH_PATTERNS,
  BENCH_TARGETS,
  type BenchCell,
  type BenchOptions,
  type BenchPattern,
  type BenchTarget,
  type BenchmarkCreate,
} from '@strata/contract';
import { ARTICLE_MSIZE, KERNEL_DEFAULT_MSIZE, msizeVariant } from '@strata/contract/bench-names';
import { BENCH_DEFAULT_RUNTIME_CAP_SEC, BENCH_DEFAULT_SIZE_MIB } from '@strata/contract/bench-defaults';
import { NINEP_DEFAULTS, VIRTIOFS_DEFAULTS } from './share-options.js';

/** Defaults and names shared with the web, re-exported under the names the server has used. */
export { ARTICLE_MSIZE, KERNEL_DEFAULT_MSIZE as KERNEL_DEFAULT } from '@strata/contract/bench-names';
export {
  BENCH_DEFAULT_SIZE_MIB as DEFAULT_SIZE_MIB,
  BENCH_DEFAULT_RUNTIME_CAP_SEC as DEFAULT_RUNTIME_CAP_SEC,
} from '@strata/contract/bench-defaults';

export interface BenchVariant {
  target: BenchTarget;
  /** Short, unique within the target: a column heading. */
  variant: string;
  options: BenchOptions;
  /** This is what Strata does when the user does not choose. */
  isDefault: boolean;
}

export interface BenchMatrix {
  targets: BenchTarget[];
  patterns: BenchPattern[];
  blockSizes: number[];
  sizeMiB: number;
  runtimeCapSec: number;
}

/** Each target's variants: 9p by msize, virtiofs by cache mode, the rest as Strata sets them up. */
export function variantsOf(target: BenchTarget): BenchVariant[] {
  if (target === '9p') {
    const strata = NINEP_DEFAULTS.msize;
    return [
      { target, variant: msizeVariant(ARTICLE_MSIZE), options: { msize: ARTICLE_MSIZE }, isDefault: strata === ARTICLE_MSIZE },
      ...(strata === ARTICLE_MSIZE ? [] : [{ target, variant: msizeVariant(strata), options: { msize: strata }, isDefault: true }]),
      { target, variant: msizeVariant(KERNEL_DEFAULT_MSIZE), options: { msize: KERNEL_DEFAULT_MSIZE }, isDefault: false },
    ];
  }
  if (target === 'virtiofs') {
    return (['none', 'auto', 'always'] as const).map((cache) => ({
      target,
      variant: `cache=${cache}`,
      options: { cache },
      isDefault: cache === VIRTIOFS_DEFAULTS.cache,
    }));
  }
  return [{ target, variant: target, options: {}, isDefault: true }];
}

/** The request with its defaults filled in, in the contract's canonical order (not the order asked). */
export function resolveMatrix(body: BenchmarkCreate, runtimeCapSec: number = BENCH_DEFAULT_RUNTIME_CAP_SEC): BenchMatrix {
  const pick = <T>(all: readonly T[], asked: readonly T[] | undefined): T[] => (asked ? all.filter((x) => asked.includes(x)) : [...all]);
  return {
    targets: pick(BENCH_TARGETS, body.targets),
    patterns: pick(BENCH_PATTERNS, body.patterns),
    blockSizes: pick<number>(BENCH_BLOCK_SIZES, body.blockSizes),
    sizeMiB: body.sizeMiB ?? BENCH_DEFAULT_SIZE_MIB,
    runtimeCapSec,
  };
}

/**
 * The order cells run in, per variant: writes before reads at each block size, so a read always
 * finds its file (or disk range) laid out and a cell never reads what an earlier cell left cached.
 */
const PATTERN_ORDER: BenchPattern[] = ['seq-write', 'seq-read', 'rand-write', 'rand-read'];

export function expandCells(matrix: BenchMatrix): BenchCell[] {
  const patterns = PATTERN_ORDER.filter((p) => matrix.patterns.includes(p));
  return matrix.targets.flatMap((target) =>
    variantsOf(target).flatMap(({ variant, options }) =>
      matrix.blockSizes.flatMap((blockSize) =>
        patterns.map((pattern): BenchCell => ({
          target,
          variant,
          options,
          pattern,
          blockSize,
          state: 'pending',
          bytesPerSec: null,
          iops: null,
        })),
      ),
    ),
  );
}

/** Whether a target is a directory shared with the guest (fio writes a file in it) or a disk (fio on the raw device). */
export const isShareTarget = (target: BenchTarget): boolean => target === '9p' || target === 'virtiofs' || target === 'hostfs';

/** The hypervisor a target runs under. */
export const hypervisorOf = (target: BenchTarget): 'qemu' | 'uml' => (target === 'hostfs' || target === 'ubd' ? 'uml' : 'qemu');
