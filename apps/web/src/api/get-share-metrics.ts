import { useQuery } from '@tanstack/react-query';
import type { ShareMetrics } from '@strata/contract';
import type { HistoryRangeName } from '@strata/contract/series-names';
import { api } from './client';

export const getShareMetrics = (shareId: string, range: HistoryRangeName) =>
  api<ShareMetrics>('GET', `/shares/${encodeURIComponent(shareId)}/metrics?range=${range}`);

/**
 * One share's recorded throughput over a range, summed over every VM that used it. `once` asks a
 * single time (a live chart's start, which the stream extends) instead of refreshing.
 */
export function useShareMetrics(shareId: string, range: HistoryRangeName, once = false) {
  return useQuery({
    queryKey: ['metrics', 'share', shareId, range, once ? 'once' : 'range'],
    queryFn: () => getShareMetrics(shareId, range),
    staleTime: once ? Infinity : 10_000,
    ...(once ? { gcTime: 0 } : { refetchInterval: 30_000 }),
  });
}
