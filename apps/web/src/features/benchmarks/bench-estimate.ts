import type { BenchmarkCreate } from '@strata/contract';
import { BENCH_BOOT_SEC, BENCH_CELL_SEC } from '@strata/contract/bench-defaults';
import { TARGETS } from './bench-words';

export interface Estimate {
  cells: number;
  vms: number;
  /** A range, from the fastest to the slowest cells and boots measured on this kind of host. */
  seconds: [number, number];
}

/**
 * How many cells a run measures and about how long it takes: one throwaway VM per target with all
 * its variants attached, each booted, then every cell in it. Cells cost about the same whatever the
 * size, because the server's time cap bounds the timed part and the rest is the guest's overhead.
 */
export function estimateRun(req: Required<BenchmarkCreate>, accelerator: 'kvm' | 'tcg'): Estimate {
  const variants = req.targets.reduce((n, t) => n + (TARGETS.find((i) => i.target === t)?.variants ?? 1), 0);
  const cells = variants * req.patterns.length * req.blockSizes.length;
  const vms = req.targets.length;
  const boot = BENCH_BOOT_SEC[accelerator];
  const cell = BENCH_CELL_SEC[accelerator];
  return { cells, vms, seconds: [Math.round(vms * boot[0] + cells * cell[0]), Math.round(vms * boot[1] + cells * cell[1])] };
}

const minutes = (s: number, round: (n: number) => number) => Math.max(1, round(s / 60));
const hours = (m: number) => (m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`);

/** "about 40–90 seconds", "about 4–9 minutes", "about 50 minutes to 1 h 40 min": the low end rounded down, the high up. */
export function formatDuration([low, high]: [number, number]): string {
  if (high < 90) return `about ${Math.max(5, Math.floor(low / 5) * 5)}–${Math.max(10, Math.ceil(high / 5) * 5)} seconds`;
  const lo = minutes(low, Math.floor);
  const hi = Math.max(lo + 1, minutes(high, Math.ceil));
  if (hi < 90) return `about ${lo}–${hi} minutes`;
  return `about ${lo < 90 ? `${lo} minutes` : hours(lo)} to ${hours(hi)}`;
}
