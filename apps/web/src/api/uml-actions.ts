import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { UbdDevice, UmlAction, UmlActionResult } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

export const useUbdDevices = (vmId: string, running: boolean) =>
  useQuery({ queryKey: keys.ubd(vmId), queryFn: () => api<UbdDevice[]>('GET', `/vms/${vmId}/uml/ubd`), enabled: running });

export function useUmlMutations(vmId: string) {
  const qc = useQueryClient();
  const refreshDisks = () => void qc.invalidateQueries({ queryKey: keys.ubd(vmId) });
  return {
    action: useMutation({
      mutationFn: (body: UmlAction) => api<UmlActionResult>('POST', `/vms/${vmId}/uml`, body),
      onSuccess: (r) => qc.setQueryData(keys.vm(vmId), r.vm),
    }),
    addDisk: useMutation({
      mutationFn: (sizeMiB: number) => api<UbdDevice>('POST', `/vms/${vmId}/uml/ubd`, { sizeMiB }),
      onSuccess: refreshDisks,
    }),
    removeDisk: useMutation({
      mutationFn: (device: string) => api<void>('DELETE', `/vms/${vmId}/uml/ubd/${device}`),
      onSuccess: refreshDisks,
    }),
  };
}
