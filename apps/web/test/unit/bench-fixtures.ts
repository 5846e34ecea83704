import type { BenchCell, BenchmarkRun, BenchPattern, BenchTarget } from '@strata/contract';

// The VirtFS article's table (KB/s), as its CSV gives it; the random-write IDE value at 1 MB is illegible.
export const ARTICLE: [BenchPattern, number, number, number, number | null][] = [
  ['seq-read', 4096, 36650, 19613, 8979],
  ['seq-read', 65536, 335956, 130027, 86349],
  ['seq-read', 1048576, 672491, 354147, 245257],
  ['seq-write', 4096, 34917, 19610, 8974],
  ['seq-write', 65536, 334810, 129472, 85950],
  ['seq-write', 1048576, 643574, 358321, 245017],
  ['rand-read', 4096, 32829, 9786, 5622],
  ['rand-read', 65536, 328884, 85979, 69278],
  ['rand-read', 1048576, 576954, 196024, 233620],
  ['rand-write', 4096, 32811, 9793, 5648],
  ['rand-write', 65536, 329045, 86058, 68773],
  ['rand-write', 1048576, 602878, 194688, null],
];

export function cell(
  target: BenchTarget,
  variant: string,
  pattern: BenchPattern,
  blockSize: number,
  bytesPerSec: number | null,
  extra: Partial<BenchCell> = {},
): BenchCell {
  return {
    target,
    variant,
    options: {},
    pattern,
    blockSize,
    state: bytesPerSec === null ? 'failed' : 'done',
    bytesPerSec,
    iops: bytesPerSec === null ? null : bytesPerSec / blockSize,
    direct: true,
    ...(bytesPerSec === null ? { error: 'fio exited with status 1' } : {}),
    ...extra,
  };
}

/** The article's table as if it were a Strata run: 9p with msize 100 MB, virtio-blk and IDE; KB/s read as 10^3 bytes. */
export function articleCells(): BenchCell[] {
  return ARTICLE.flatMap(([pattern, bs, virtfs, blk, ide]) => [
    cell('9p', 'msize 100000000', pattern, bs, virtfs * 1e3, { options: { msize: 100000000 } }),
    cell('virtio-blk', 'virtio-blk', pattern, bs, blk * 1e3),
    cell('ide', 'ide', pattern, bs, ide === null ? null : ide * 1e3),
  ]);
}

export function run(id: string, cells: BenchCell[], extra: Partial<BenchmarkRun> = {}): BenchmarkRun {
  return {
    id,
    jobId: `job-${id}`,
    state: 'succeeded',
    host: {
      hostname: 'h',
      kernel: '6.1',
      cpuModel: 'cpu',
      cpus: 2,
      memBytes: 2 ** 31,
      qemuVersion: '7.2',
      umlVersion: '6.1',
      accelerator: 'tcg',
      fileSystem: 'ext4',
    },
    options: {
      targets: [...new Set(cells.map((c) => c.target))],
      patterns: [...new Set(cells.map((c) => c.pattern))],
      blockSizes: [...new Set(cells.map((c) => c.blockSize))],
      sizeMiB: 8,
    },
    cells,
    recommendations: [],
    createdAt: '2026-11-30T05:00:00Z',
    finishedAt: '2026-11-30T05:10:00Z',
    ...extra,
  };
}
