import { describe, expect, it } from 'vitest';
import type { BenchBlockSize, BenchPattern, BenchTarget } from '@strata/contract';
import { BenchmarkCreate } from '@strata/contract';
import { BENCH_DEFAULT_SIZE_MIB, BENCH_SIZE_MIB_MAX, BENCH_SIZE_MIB_MIN } from '@strata/contract/bench-defaults';
import { estimateRun, formatDuration } from '../../src/features/benchmarks/bench-estimate';
import { BLOCK_SIZES, PATTERNS } from '../../src/features/benchmarks/bench-words';

const req = (targets: BenchTarget[], patterns: BenchPattern[], blockSizes: BenchBlockSize[]) => ({
  targets,
  patterns,
  blockSizes,
  sizeMiB: BENCH_DEFAULT_SIZE_MIB,
});
const ALL_PATTERNS = PATTERNS.map((p) => p.pattern);

describe('the run estimate', () => {
  it("gives the dialog's default run (the article's three columns) as a range that covers what this host measured", () => {
    const e = estimateRun(req(['9p', 'virtio-blk', 'ide'], ALL_PATTERNS, [...BLOCK_SIZES]), 'tcg');
    // 9p's three msizes, virtio-blk and IDE: five variants, twelve cells each, three VMs.
    expect(e).toMatchObject({ cells: 60, vms: 3 });
    // 60 cells at 2.9-5.9 s and three boots at 20-50 s.
    expect(e.seconds).toEqual([234, 504]);
    expect(formatDuration(e.seconds)).toBe('about 3–9 minutes');
  });

  it('covers the whole run measured on this host: 132 cells in 7 VMs took about 12.5 minutes', () => {
    const all: BenchTarget[] = ['9p', 'virtiofs', 'virtio-blk', 'virtio-scsi', 'ide', 'hostfs', 'ubd'];
    const e = estimateRun(req(all, ALL_PATTERNS, [...BLOCK_SIZES]), 'tcg');
    expect(e).toMatchObject({ cells: 132, vms: 7 });
    expect(e.seconds[0]).toBeLessThan(750);
    expect(e.seconds[1]).toBeGreaterThan(750);
  });

  it('takes longer under TCG than KVM, at both ends', () => {
    const r = req(['9p', 'virtio-blk'], ['seq-read', 'seq-write'], [1048576]);
    const tcg = estimateRun(r, 'tcg');
    const kvm = estimateRun(r, 'kvm');
    expect(tcg).toMatchObject({ cells: 8, vms: 2 });
    expect(tcg.seconds[0]).toBeGreaterThan(kvm.seconds[0]);
    expect(tcg.seconds[1]).toBeGreaterThan(kvm.seconds[1]);
  });

  it('says a range, the low end rounded down and the high end up', () => {
    expect(formatDuration([42, 80])).toBe('about 40–80 seconds');
    expect(formatDuration([234, 504])).toBe('about 3–9 minutes');
    expect(formatDuration([600, 610])).toBe('about 10–11 minutes');
    expect(formatDuration([3000, 6000])).toBe('about 50 minutes to 1 h 40 min');
    expect(formatDuration([5400, 10800])).toBe('about 1 h 30 min to 3 h');
  });

  it("uses the server's default size and limits, as the contract states them", () => {
    // The schema's own figures, as its JSON Schema states them to clients.
    const size = BenchmarkCreate.properties.sizeMiB as unknown as { minimum: number; maximum: number; description: string };
    expect(size.minimum).toBe(BENCH_SIZE_MIB_MIN);
    expect(size.maximum).toBe(BENCH_SIZE_MIB_MAX);
    expect(size.description).toContain(`default ${BENCH_DEFAULT_SIZE_MIB}`);
  });
});
