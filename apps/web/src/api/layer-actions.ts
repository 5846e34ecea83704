import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Job, MergeBody, MergePlan, Vm } from '@strata/contract';
import { api } from './client';
import { keepNewerJob, newerJob } from './job-cache';
import { keys } from './keys';

const getMergePlan = (imageId: string) => api<MergePlan>('GET', `/images/${imageId}/merge-plan`);
const mergePlanQuery = (imageId: string) =>
  queryOptions({ queryKey: keys.mergePlan(imageId), queryFn: () => getMergePlan(imageId), staleTime: 0 });
/** Off once the merge runs: the layer it plans for may be gone by the end. */
export const useMergePlan = (imageId: string, enabled: boolean) => useQuery({ ...mergePlanQuery(imageId), enabled });

export const getJob = (id: string) => api<Job>('GET', `/jobs/${id}`);
/** A job's progress arrives on the event stream, which patches this query; it is fetched once. */
export const jobQuery = (id: string) =>
  queryOptions({ queryKey: keys.job(id), queryFn: () => getJob(id), staleTime: Infinity, structuralSharing: keepNewerJob });
export const useJob = (id: string | null) => useQuery({ ...jobQuery(id ?? ''), enabled: id !== null });

export function useLayerMutations() {
  const qc = useQueryClient();
  const settle = (vm?: Vm) => {
    if (vm) qc.setQueryData(keys.vm(vm.id), vm);
    void qc.invalidateQueries({ queryKey: keys.images });
    void qc.invalidateQueries({ queryKey: keys.vms });
  };
  return {
    // 200 with the VM when taken at once; 202 with a job for a UML COW's snapshot (a full copy).
    snapshot: useMutation({
      mutationFn: ({ vmId, diskId, name, description }: { vmId: string; diskId: string; name: string; description: string }) =>
        api<Vm | Job>('POST', `/vms/${vmId}/disks/${diskId}/snapshots`, { name, description }),
      onSuccess: (taken) => {
        if ('hypervisor' in taken) return settle(taken);
        qc.setQueryData<Job>(keys.job(taken.id), (cached) => newerJob(cached, taken));
        void qc.invalidateQueries({ queryKey: keys.job(taken.id), exact: true });
      },
    }),
    revert: useMutation({
      mutationFn: ({ vmId, diskId, imageId }: { vmId: string; diskId: string; imageId: string }) =>
        api<Vm>('POST', `/vms/${vmId}/disks/${diskId}/revert`, { imageId }),
      onSuccess: settle,
    }),
    merge: useMutation({
      mutationFn: ({ imageId, body }: { imageId: string; body: MergeBody }) => api<Job>('POST', `/images/${imageId}/merge`, body),
      // The event stream may already have said how it ended: keep the newer copy, and ask once more
      // in case an event slipped past between the reply and the dialog watching the job.
      onSuccess: (job) => {
        qc.setQueryData<Job>(keys.job(job.id), (cached) => newerJob(cached, job));
        void qc.invalidateQueries({ queryKey: keys.job(job.id), exact: true });
      },
    }),
    cancel: useMutation({ mutationFn: (jobId: string) => api<Job>('POST', `/jobs/${jobId}/cancel`) }),
  };
}
