import { useEffect } from 'react';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BenchmarkCreate, BenchmarkRun, BenchmarkStarted, BenchmarkSummary, BenchReference, Job } from '@strata/contract';
import { isUnderWay } from '../shared/job-state';
import { api } from './client';
import { newerJob } from './job-cache';
import { keys } from './keys';
import { useJob } from './layer-actions';

const getBenchmarks = () => api<BenchmarkSummary[]>('GET', '/benchmarks');
const getBenchmark = (id: string) => api<BenchmarkRun>('GET', `/benchmarks/${encodeURIComponent(id)}`);
const getReference = () => api<BenchReference>('GET', '/benchmarks/reference');

export const benchmarksQuery = queryOptions({ queryKey: keys.benchmarks, queryFn: getBenchmarks });
export const benchmarkQuery = (id: string) => queryOptions({ queryKey: keys.benchmark(id), queryFn: () => getBenchmark(id) });

export const useBenchmarks = () => useQuery(benchmarksQuery);
export const useBenchmark = (id: string | null) => useQuery({ ...benchmarkQuery(id ?? ''), enabled: id !== null });
/** The article's table never changes while the page is open. */
export const useBenchReference = () => useQuery({ queryKey: keys.benchReference, queryFn: getReference, staleTime: Infinity });

/**
 * A run's cells change as its job moves on; the event stream patches the job's query, and each
 * change (a cell done, the end) fetches the run and the list again instead of polling.
 */
export function useFollowRun(run: Pick<BenchmarkRun, 'id' | 'jobId' | 'state'> | undefined): Job | undefined {
  const qc = useQueryClient();
  const job = useJob(run && isUnderWay(run) ? run.jobId : null).data;
  const stamp = job ? `${job.state}:${job.progress}:${job.updatedAt}` : null;
  const id = run?.id;
  useEffect(() => {
    if (!stamp || !id) return;
    void qc.invalidateQueries({ queryKey: keys.benchmark(id), exact: true });
    void qc.invalidateQueries({ queryKey: keys.benchmarks, exact: true });
  }, [stamp, id, qc]);
  return job;
}

export function useBenchmarkMutations() {
  const qc = useQueryClient();
  const keepJob = (job: Job) => qc.setQueryData<Job>(keys.job(job.id), (cached) => newerJob(cached, job));
  return {
    // 202 with the job and the run it fills in: the run's page opens on the run as it starts.
    start: useMutation({
      mutationFn: (body: BenchmarkCreate) => api<BenchmarkStarted>('POST', '/benchmarks', body),
      onSuccess: ({ job, run }) => {
        keepJob(job);
        qc.setQueryData(keys.benchmark(run.id), run);
        void qc.invalidateQueries({ queryKey: keys.benchmarks, exact: true });
        // An event may have slipped past between the reply and the page following the job.
        void qc.invalidateQueries({ queryKey: keys.job(job.id), exact: true });
      },
    }),
    cancel: useMutation({
      mutationFn: (runId: string) => api<Job>('POST', `/benchmarks/${encodeURIComponent(runId)}/cancel`),
      onSuccess: keepJob,
    }),
  };
}

export const exportUrl = (id: string, format: 'csv' | 'json') => `/api/v1/benchmarks/${encodeURIComponent(id)}/export?format=${format}`;
