import { useQueries } from '@tanstack/react-query';
import type { MetricsHistory } from '@strata/contract';
import { api } from './client';

export const RANGES = { '15m': 15 * 60_000, '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type HistoryRange = keyof typeof RANGES;

/** Several series of one VM (or 'host') over a range, from the server's downsampled history. */
export function useHistory(vm: string, series: string[], range: HistoryRange | null) {
  return useQueries({
    queries: series.map((name) => ({
      queryKey: ['metrics', vm, name, range],
      enabled: range !== null,
      staleTime: 10_000,
      queryFn: () =>
        api<MetricsHistory>(
          'GET',
          `/metrics/history?vm=${encodeURIComponent(vm)}&series=${encodeURIComponent(name)}&from=${Date.now() - RANGES[range!]}`,
        ),
    })),
  });
}

/**
 * The last `ms` of several series, asked once when a live chart opens, so its window starts full
 * instead of growing from nothing; the live stream extends it from there.
 */
export function useRecentHistory(vm: string, series: string[], ms: number) {
  return useQueries({
    queries: series.map((name) => ({
      queryKey: ['metrics', vm, name, 'recent'],
      staleTime: Infinity,
      gcTime: 0,
      queryFn: () =>
        api<MetricsHistory>(
          'GET',
          `/metrics/history?vm=${encodeURIComponent(vm)}&series=${encodeURIComponent(name)}&from=${Date.now() - ms}`,
        ),
    })),
  });
}

/** uPlot wants one x array and aligned y arrays: join the series on their timestamps (seconds). */
export function align(histories: (MetricsHistory | undefined)[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(histories.flatMap((h) => h?.points.map((p) => p[0]) ?? []))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = histories.map((h) => {
    const col: (number | null)[] = xs.map(() => null);
    for (const [t, v] of h?.points ?? []) col[index.get(t)!] = v;
    return col;
  });
  return [xs.map((x) => x / 1000), ...ys];
}
