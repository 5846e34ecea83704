import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ShareAttach, ShareCreate, ShareView, Vm } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

const sharesQuery = queryOptions({ queryKey: keys.shares, queryFn: () => api<ShareView[]>('GET', '/shares') });
export const useShares = () => useQuery(sharesQuery);

export function useShareMutations() {
  const qc = useQueryClient();
  const refresh = () => void qc.invalidateQueries({ queryKey: keys.shares });
  const setVm = (vm: Vm) => {
    qc.setQueryData(keys.vm(vm.id), vm);
    refresh();
  };
  return {
    create: useMutation({ mutationFn: (body: ShareCreate) => api<ShareView>('POST', '/shares', body), onSuccess: refresh }),
    rename: useMutation({
      mutationFn: ({ id, name }: { id: string; name: string }) => api<ShareView>('PATCH', `/shares/${id}`, { name }),
      onSuccess: refresh,
    }),
    remove: useMutation({ mutationFn: (id: string) => api<void>('DELETE', `/shares/${id}`), onSuccess: refresh }),
    attach: useMutation({
      mutationFn: ({ vmId, body }: { vmId: string; body: ShareAttach }) => api<Vm>('POST', `/vms/${vmId}/shares`, body),
      onSuccess: setVm,
    }),
    detach: useMutation({
      mutationFn: ({ vmId, tag }: { vmId: string; tag: string }) => api<Vm>('DELETE', `/vms/${vmId}/shares/${tag}`),
      onSuccess: setVm,
    }),
  };
}
