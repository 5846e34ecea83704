import { Type, type Static } from 'typebox';
import { Job, JobState } from './jobs.js';
import { BENCH_DEFAULT_RUNTIME_CAP_SEC, BENCH_DEFAULT_SIZE_MIB, BENCH_SIZE_MIB_MAX, BENCH_SIZE_MIB_MIN } from './bench-defaults.js';

/**
 * What a share benchmark measures: the three ways of sharing a directory and the three disk buses
 * QEMU offers, and User-Mode Linux's hostfs and ubd disk.
 */
export const BENCH_TARGETS = ['9p', 'virtiofs', 'virtio-blk', 'virtio-scsi', 'ide', 'hostfs', 'ubd'] as const;
export const BENCH_PATTERNS = ['seq-read', 'seq-write', 'rand-read', 'rand-write'] as const;
export const BENCH_BLOCK_SIZES = [4096, 65536, 1048576] as const;

export const BenchTarget = Type.Union([
  Type.Literal('9p'),
  Type.Literal('virtiofs'),
  Type.Literal('virtio-blk'),
  Type.Literal('virtio-scsi'),
  Type.Literal('ide'),
  Type.Literal('hostfs'),
  Type.Literal('ubd'),
]);
export type BenchTarget = Static<typeof BenchTarget>;
export const BenchPattern = Type.Union([
  Type.Literal('seq-read'),
  Type.Literal('seq-write'),
  Type.Literal('rand-read'),
  Type.Literal('rand-write'),
]);
export type BenchPattern = Static<typeof BenchPattern>;
export const BenchBlockSize = Type.Union([Type.Literal(4096), Type.Literal(65536), Type.Literal(1048576)], { description: 'bytes' });
export type BenchBlockSize = Static<typeof BenchBlockSize>;

export const BenchmarkCreate = Type.Object(
  {
    targets: Type.Optional(
      Type.Array(BenchTarget, {
        minItems: 1,
        uniqueItems: true,
        description: 'what to measure; each target runs all its variants (9p: three msizes, virtiofs: three cache modes); default all',
      }),
    ),
    patterns: Type.Optional(Type.Array(BenchPattern, { minItems: 1, uniqueItems: true })),
    blockSizes: Type.Optional(Type.Array(BenchBlockSize, { minItems: 1, uniqueItems: true })),
    sizeMiB: Type.Optional(
      Type.Integer({
        minimum: BENCH_SIZE_MIB_MIN,
        maximum: BENCH_SIZE_MIB_MAX,
        description: `I/O per cell in MiB, the same for every cell (default ${BENCH_DEFAULT_SIZE_MIB}; each cell also stops after runtimeCapSec, ${BENCH_DEFAULT_RUNTIME_CAP_SEC} s by default)`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type BenchmarkCreate = Static<typeof BenchmarkCreate>;

/** A variant's settings, e.g. { msize: 104857600 } or { cache: 'auto' }; a string value 'kernel default' means the option was left out. */
export const BenchOptions = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));
export type BenchOptions = Static<typeof BenchOptions>;

export const BenchCell = Type.Object({
  target: BenchTarget,
  /** Short name of the variant for column headings, e.g. "msize 100 MB", "cache=auto" (9p's from msizeVariant in ./bench-names). */
  variant: Type.String(),
  options: BenchOptions,
  pattern: BenchPattern,
  blockSize: Type.Integer({ description: 'bytes' }),
  state: Type.Union([
    Type.Literal('pending'),
    Type.Literal('running'),
    Type.Literal('done'),
    Type.Literal('failed'),
    Type.Literal('skipped'),
  ]),
  bytesPerSec: Type.Union([Type.Number(), Type.Null()]),
  iops: Type.Union([Type.Number(), Type.Null()]),
  /** Whether the guest's cache was bypassed with O_DIRECT; when false, `note` says how caches were dropped instead. */
  direct: Type.Optional(Type.Boolean()),
  note: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  /** Bytes fio moved in the timed part; less than sizeMiB when the per-cell time cap stopped it first. */
  ioBytes: Type.Optional(Type.Number()),
  /** How long fio's timed part ran, in milliseconds. */
  runtimeMs: Type.Optional(Type.Number()),
  /** The throwaway VM the cell ran in (its live charts show the cell as it ran). */
  vmId: Type.Optional(Type.String()),
  startedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
});
export type BenchCell = Static<typeof BenchCell>;

export const BenchHost = Type.Object({
  hostname: Type.String(),
  kernel: Type.String(),
  cpuModel: Type.String(),
  cpus: Type.Integer(),
  memBytes: Type.Number(),
  qemuVersion: Type.String(),
  umlVersion: Type.String(),
  accelerator: Type.String({ description: 'what the throwaway QEMU guest ran under: kvm or tcg' }),
  fileSystem: Type.String({ description: 'the host file system under the shares and disk images' }),
});
export type BenchHost = Static<typeof BenchHost>;

export const BenchRecommendation = Type.Object({
  target: BenchTarget,
  /** The fastest variant here for 1 MB sequential reads and writes (mean of the two). */
  bestVariant: Type.String(),
  bestBytesPerSec: Type.Number(),
  /** The variant Strata uses by default for this target, when it has variants. */
  defaultVariant: Type.Union([Type.String(), Type.Null()]),
  defaultBytesPerSec: Type.Union([Type.Number(), Type.Null()]),
  /** True when the default is more than 10% below the best variant. */
  defaultBehind: Type.Boolean(),
  message: Type.String(),
});
export type BenchRecommendation = Static<typeof BenchRecommendation>;

export const BenchmarkRun = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  state: JobState,
  host: BenchHost,
  options: Type.Object({
    targets: Type.Array(BenchTarget),
    patterns: Type.Array(BenchPattern),
    blockSizes: Type.Array(Type.Integer()),
    sizeMiB: Type.Integer(),
    /** Each cell stops after this many seconds even when sizeMiB is not done (then ioBytes says how much was). */
    runtimeCapSec: Type.Optional(Type.Integer()),
  }),
  cells: Type.Array(BenchCell),
  recommendations: Type.Array(BenchRecommendation),
  /**
   * This host's figure for each of the article's ratios (same labels as BenchReference.ratios), beside the article's;
   * computed by hostRatios in ./bench-ratios, as the web does. `pattern` is the one measured: the article's own
   * (sequential reads, random writes) or the other direction standing in. Runs recorded before held only label, value, article.
   */
  ratios: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.Optional(Type.String()),
        label: Type.String(),
        value: Type.Union([Type.Number(), Type.Null()]),
        article: Type.Number(),
        pattern: Type.Optional(Type.Union([BenchPattern, Type.Null()])),
      }),
    ),
  ),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  error: Type.Optional(Type.String()),
});
export type BenchmarkRun = Static<typeof BenchmarkRun>;

export const BenchmarkSummary = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  state: JobState,
  options: BenchmarkRun.properties.options,
  cellCount: Type.Integer(),
  failedCells: Type.Integer(),
  accelerator: Type.String(),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type BenchmarkSummary = Static<typeof BenchmarkSummary>;

/** The VirtFS article's published table, shipped as data so a run can be read beside it. */
export const BenchReference = Type.Object({
  title: Type.String(),
  setup: Type.String({ description: 'how the article measured: guest, hypervisor, I/O per test, mount options' }),
  unit: Type.Literal('KB/s'),
  rows: Type.Array(
    Type.Object({
      pattern: BenchPattern,
      blockSize: Type.Integer(),
      virtfs: Type.Union([Type.Number(), Type.Null()]),
      virtioBlk: Type.Union([Type.Number(), Type.Null()]),
      ide: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
  /** The article's own conclusions, as ratios, to set beside this host's. */
  ratios: Type.Array(Type.Object({ id: Type.Optional(Type.String()), label: Type.String(), value: Type.Number() })),
});
export type BenchReference = Static<typeof BenchReference>;

/** POST /benchmarks answers 202 with the job (progress, cancel) and the run it fills in. */
export const BenchmarkStarted = Type.Object({ job: Job, run: BenchmarkRun });
export type BenchmarkStarted = Static<typeof BenchmarkStarted>;

export const BenchmarkExportQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { description: 'default csv' })) },
  { additionalProperties: false },
);
export type BenchmarkExportQuery = Static<typeof BenchmarkExportQuery>;
