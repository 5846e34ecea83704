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
import { NINEP_DEFAULTS, VIRTIOFS_DEFAULTS } from './share-options.js';

/** The VirtFS article's msize: far above what the guest's virtio transport accepts, which then caps it. */
export const ARTICLE_MSIZE = 100_000_000;
/**
 * Measured on a 2-core TCG host: what a cell costs is mostly the guest starting fio (seconds under
 * load), not the I/O, and slow cells stop at the cap. So the size is chosen for the fast cells
 * (1 MB blocks at 50-400 MB/s: 16 MiB took 40-300 ms, too short to mean much) and the cap for the
 * slow ones (4 KB blocks at 1-5 MB/s).
 */
export const DEFAULT_SIZE_MIB = 64;
/** No cell runs longer than this, whatever sizeMiB asks. */
export const DEFAULT_RUNTIME_CAP_SEC = 2;
export const KERNEL_DEFAULT = 'kernel default';

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

const mib = (bytes: number) =>
  bytes % 1048576 === 0 ? `${bytes / 1048576} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;

/** Each target's variants: 9p by msize, virtiofs by cache mode, the rest as Strata sets them up. */
export function variantsOf(target: BenchTarget): BenchVariant[] {
  if (target === '9p') {
    const strata = NINEP_DEFAULTS.msize;
    return [
      { target, variant: 'msize 100000000', options: { msize: ARTICLE_MSIZE }, isDefault: strata === ARTICLE_MSIZE },
      ...(strata === ARTICLE_MSIZE ? [] : [{ target, variant: `msize ${mib(strata)}`, options: { msize: strata }, isDefault: true }]),
      { target, variant: 'kernel default msize', options: { msize: KERNEL_DEFAULT }, isDefault: false },
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
export function resolveMatrix(body: BenchmarkCreate, runtimeCapSec = DEFAULT_RUNTIME_CAP_SEC): BenchMatrix {
  const pick = <T>(all: readonly T[], asked: readonly T[] | undefined): T[] => (asked ? all.filter((x) => asked.includes(x)) : [...all]);
  return {
    targets: pick(BENCH_TARGETS, body.targets),
    patterns: pick(BENCH_PATTERNS, body.patterns),
    blockSizes: pick<number>(BENCH_BLOCK_SIZES, body.blockSizes),
    sizeMiB: body.sizeMiB ?? DEFAULT_SIZE_MIB,
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
