import { useEffect } from 'react';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BenchmarkCreate, BenchmarkRun, BenchmarkSummary, BenchReference, Job } from '@strata/contract';
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

/** The server answers 202 with the job; accept it bare or wrapped as { job }. */
const jobOf = (reply: Job | { job: Job }): Job => ('job' in reply ? reply.job : reply);

export function useBenchmarkMutations() {
  const qc = useQueryClient();
  return {
    start: useMutation({
      mutationFn: async (body: BenchmarkCreate) => jobOf(await api<Job | { job: Job }>('POST', '/benchmarks', body)),
      onSuccess: (job) => {
        qc.setQueryData<Job>(keys.job(job.id), (cached) => newerJob(cached, job));
        void qc.invalidateQueries({ queryKey: keys.benchmarks, exact: true });
      },
    }),
    cancel: useMutation({
      mutationFn: (jobId: string) => api<Job>('POST', `/jobs/${encodeURIComponent(jobId)}/cancel`),
      onSuccess: (job) => {
        qc.setQueryData<Job>(keys.job(job.id), (cached) => newerJob(cached, job));
        void qc.invalidateQueries({ queryKey: keys.benchmarks });
      },
    }),
  };
}

/** Finds the run a freshly started job belongs to: the list is asked until it holds it. */
export async function runForJob(qc: ReturnType<typeof useQueryClient>, jobId: string): Promise<BenchmarkSummary | undefined> {
  for (let i = 0; i < 10; i++) {
    const list = await qc.fetchQuery({ ...benchmarksQuery, staleTime: 0 });
    const found = list.find((r) => r.jobId === jobId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 300 * (i + 1)));
  }
  return undefined;
}

export const exportUrl = (id: string, format: 'csv' | 'json') => `/api/v1/benchmarks/${encodeURIComponent(id)}/export?format=${format}`;
