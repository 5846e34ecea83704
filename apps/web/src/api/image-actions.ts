import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CheckReport, Image, ImageConvert, Job } from '@strata/contract';
import { api } from './client';
import { keepNewerJobs, newerJob } from './job-cache';
import { keys } from './keys';

const getJobs = () => api<Job[]>('GET', '/jobs');
export const jobsQuery = queryOptions({ queryKey: keys.jobs, queryFn: getJobs, structuralSharing: keepNewerJobs });
export const useJobs = () => useQuery(jobsQuery);

export function useImageMutations() {
  const qc = useQueryClient();
  const refresh = () => void qc.invalidateQueries({ queryKey: keys.images });
  const track = (job: Job) => {
    // The event stream may have listed it already, even ended: never put the older copy on top.
    qc.setQueryData<Job[]>(keys.jobs, (list = []) => [
      newerJob(
        list.find((j) => j.id === job.id),
        job,
      ),
      ...list.filter((j) => j.id !== job.id),
    ]);
  };
  return {
    check: useMutation({ mutationFn: (id: string) => api<CheckReport>('POST', `/images/${id}/check`) }),
    convert: useMutation({
      mutationFn: ({ id, body }: { id: string; body: ImageConvert }) => api<Job>('POST', `/images/${id}/convert`, body),
      onSuccess: track,
    }),
    resize: useMutation({
      mutationFn: ({ id, sizeBytes }: { id: string; sizeBytes: number }) => api<Image>('POST', `/images/${id}/resize`, { sizeBytes }),
      onSuccess: refresh,
    }),
    remove: useMutation({ mutationFn: (id: string) => api<void>('DELETE', `/images/${id}`), onSuccess: refresh }),
  };
}
