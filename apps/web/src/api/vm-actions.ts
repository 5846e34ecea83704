import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Pinning, VcpuInfo, Vm, VmCreate, VmPatch } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'pause' | 'resume' | 'reset' | 'restart';

export function useVmMutations() {
  const qc = useQueryClient();
  const settle = (vm?: Vm) => {
    if (vm) qc.setQueryData(keys.vm(vm.id), vm);
    void qc.invalidateQueries({ queryKey: keys.vms });
    void qc.invalidateQueries({ queryKey: keys.host });
  };
  return {
    create: useMutation({
      mutationFn: (body: VmCreate) => api<Vm>('POST', '/vms', body),
      onSuccess: (vm) => {
        settle(vm);
        void qc.invalidateQueries({ queryKey: keys.images });
      },
    }),
    power: useMutation({
      mutationFn: ({ id, action }: { id: string; action: PowerAction }) => api<Vm>('POST', `/vms/${id}/${action}`),
      onSuccess: (vm) => {
        settle(vm);
        void qc.invalidateQueries({ queryKey: keys.vcpus(vm.id) });
      },
      onError: () => settle(),
    }),
    update: useMutation({
      mutationFn: ({ id, patch }: { id: string; patch: VmPatch }) => api<Vm>('PATCH', `/vms/${id}`, patch),
      onSuccess: (vm) => {
        settle(vm);
        void qc.invalidateQueries({ queryKey: keys.vcpus(vm.id) });
      },
    }),
    pin: useMutation({
      mutationFn: ({ id, pinning }: { id: string; pinning: Pinning }) => api<VcpuInfo[]>('PUT', `/vms/${id}/pinning`, pinning),
      onSuccess: (vcpus, { id }) => qc.setQueryData(keys.vcpus(id), vcpus),
    }),
    remove: useMutation({
      mutationFn: (id: string) => api<void>('DELETE', `/vms/${id}`),
      onSuccess: (_v, id) => {
        qc.removeQueries({ queryKey: keys.vm(id) });
        settle();
        void qc.invalidateQueries({ queryKey: keys.images });
      },
    }),
  };
}
