import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { DiskAdd, Job, Vm, VmClone } from '@strata/contract';
import { api } from './client';
import { newerJob } from './job-cache';
import { keys } from './keys';

/** A VM's disks added, removed and grown, its clones, and its pending changes discarded. */
export function useVmOps() {
  const qc = useQueryClient();
  const settle = (vm?: Vm) => {
    if (vm) qc.setQueryData(keys.vm(vm.id), vm);
    void qc.invalidateQueries({ queryKey: keys.vms });
    void qc.invalidateQueries({ queryKey: keys.images });
  };
  return {
    addDisk: useMutation({
      mutationFn: ({ vmId, body }: { vmId: string; body: DiskAdd }) => api<Vm>('POST', `/vms/${vmId}/disks`, body),
      onSuccess: settle,
    }),
    removeDisk: useMutation({
      mutationFn: ({ vmId, diskId, layers }: { vmId: string; diskId: string; layers: 'delete' | 'keep' }) =>
        api<Vm>('DELETE', `/vms/${vmId}/disks/${diskId}?layers=${layers}`),
      onSuccess: settle,
    }),
    growDisk: useMutation({
      mutationFn: ({ vmId, diskId, sizeBytes }: { vmId: string; diskId: string; sizeBytes: number }) =>
        api<Vm>('POST', `/vms/${vmId}/disks/${diskId}/resize`, { sizeBytes }),
      onSuccess: settle,
    }),
    discardPending: useMutation({
      mutationFn: (vmId: string) => api<Vm>('DELETE', `/vms/${vmId}/pending`),
      onSuccess: settle,
    }),
    /** A full clone answers with its job; a linked clone with the new VM. */
    clone: useMutation({
      mutationFn: ({ vmId, body }: { vmId: string; body: VmClone }) => api<Job | Vm>('POST', `/vms/${vmId}/clone`, body),
      onSuccess: (made) => {
        if ('kind' in made) qc.setQueryData<Job>(keys.job(made.id), (cached) => newerJob(cached, made));
        else settle();
      },
    }),
  };
}
