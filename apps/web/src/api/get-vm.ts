import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Vm } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

export const getVm = (id: string) => api<Vm>('GET', `/vms/${encodeURIComponent(id)}`);
const vmQuery = (id: string) => queryOptions({ queryKey: keys.vm(id), queryFn: () => getVm(id) });
export const useVm = (id: string) => useQuery(vmQuery(id));

const getVmLog = (id: string) => api<{ lines: string[] }>('GET', `/vms/${encodeURIComponent(id)}/log?lines=20`);
const vmLogQuery = (id: string) => queryOptions({ queryKey: keys.vmLog(id), queryFn: () => getVmLog(id) });
export const useVmLog = (id: string, enabled: boolean) => useQuery({ ...vmLogQuery(id), enabled });
