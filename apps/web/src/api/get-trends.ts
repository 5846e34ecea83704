import { useQuery } from '@tanstack/react-query';
import type { MetricsTrends } from '@strata/contract';
import { api } from './client';

/**
 * Every VM's recorded disk and share I/O over the last minutes, asked once when the list opens;
 * the live stream extends it from there.
 */
export function useTrends(minutes = 5) {
  return useQuery({
    queryKey: ['metrics', 'trends', minutes],
    queryFn: () => api<MetricsTrends>('GET', `/metrics/trends?minutes=${minutes}`),
    staleTime: Infinity,
    gcTime: 0,
  });
}
