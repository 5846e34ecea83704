import type { BenchmarkCreate } from '@strata/contract';
import { TARGETS } from './bench-words';

/**
 * Rough guest throughput in MiB/s by block size, measured under TCG on this kind of machine (dd
 * from a guest: about 6 MB/s at 4 KB, 200-300 MB/s at 1 MB); KVM is taken as four times faster.
 */
const TCG_MIBPS: Record<number, number> = { 4096: 5, 65536: 50, 1048576: 150 };
const BOOT_SECONDS = { tcg: 20, kvm: 6 };
/** fio's start and the agent's round trip, per cell. */
const CELL_OVERHEAD_SECONDS = 2;
/** The server stops each cell's timed part after this long (its default runtime cap). */
const CELL_CAP_SECONDS = 2;

export interface Estimate {
  cells: number;
  vms: number;
  seconds: number;
}

/**
 * How many cells a run measures and about how long it takes: one throwaway VM per target with all
 * its variants attached, then each cell's I/O, capped in time by the server.
 */
export function estimateRun(req: Required<BenchmarkCreate>, accelerator: 'kvm' | 'tcg'): Estimate {
  const variants = req.targets.reduce((n, t) => n + (TARGETS.find((i) => i.target === t)?.variants ?? 1), 0);
  const speedUp = accelerator === 'kvm' ? 4 : 1;
  const cell = (bs: number) => CELL_OVERHEAD_SECONDS + Math.min(CELL_CAP_SECONDS, req.sizeMiB / ((TCG_MIBPS[bs] ?? 50) * speedUp));
  const perVariant = req.patterns.length * req.blockSizes.reduce((s, bs) => s + cell(bs), 0);
  const vms = req.targets.length;
  return {
    cells: variants * req.patterns.length * req.blockSizes.length,
    vms,
    seconds: Math.round(vms * BOOT_SECONDS[accelerator] + variants * perVariant),
  };
}

/** "about 40 seconds", "about 3 minutes", "about 1 h 20 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} minutes`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
