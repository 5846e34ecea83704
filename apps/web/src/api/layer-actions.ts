import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Job, MergeBody, MergePlan, Vm } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

const getMergePlan = (imageId: string) => api<MergePlan>('GET', `/images/${imageId}/merge-plan`);
const mergePlanQuery = (imageId: string) =>
  queryOptions({ queryKey: keys.mergePlan(imageId), queryFn: () => getMergePlan(imageId), staleTime: 0 });
/** Off once the merge runs: the layer it plans for may be gone by the end. */
export const useMergePlan = (imageId: string, enabled: boolean) => useQuery({ ...mergePlanQuery(imageId), enabled });

export const getJob = (id: string) => api<Job>('GET', `/jobs/${id}`);
/** A job's progress arrives on the event stream, which patches this query; it is fetched once. */
export const useJob = (id: string | null) =>
  useQuery({ queryKey: keys.job(id ?? ''), queryFn: () => getJob(id!), enabled: id !== null, staleTime: Infinity });

export function useLayerMutations() {
  const qc = useQueryClient();
  const settle = (vm?: Vm) => {
    if (vm) qc.setQueryData(keys.vm(vm.id), vm);
    void qc.invalidateQueries({ queryKey: keys.images });
    void qc.invalidateQueries({ queryKey: keys.vms });
  };
  return {
    snapshot: useMutation({
      mutationFn: ({ vmId, diskId, name, description }: { vmId: string; diskId: string; name: string; description: string }) =>
        api<Vm>('POST', `/vms/${vmId}/disks/${diskId}/snapshots`, { name, description }),
      onSuccess: settle,
    }),
    revert: useMutation({
      mutationFn: ({ vmId, diskId, imageId }: { vmId: string; diskId: string; imageId: string }) =>
        api<Vm>('POST', `/vms/${vmId}/disks/${diskId}/revert`, { imageId }),
      onSuccess: settle,
    }),
    merge: useMutation({
      mutationFn: ({ imageId, body }: { imageId: string; body: MergeBody }) => api<Job>('POST', `/images/${imageId}/merge`, body),
      onSuccess: (job) => qc.setQueryData(keys.job(job.id), job),
    }),
    cancel: useMutation({ mutationFn: (jobId: string) => api<Job>('POST', `/jobs/${jobId}/cancel`) }),
  };
}
