import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Vm, VmCreate } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

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
    start: useMutation({ mutationFn: (id: string) => api<Vm>('POST', `/vms/${id}/start`), onSuccess: settle, onError: () => settle() }),
    stop: useMutation({ mutationFn: (id: string) => api<Vm>('POST', `/vms/${id}/stop`), onSuccess: settle, onError: () => settle() }),
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
