import { queryOptions, useQuery } from '@tanstack/react-query';
import type { VcpuInfo } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

const getVcpus = (id: string) => api<VcpuInfo[]>('GET', `/vms/${encodeURIComponent(id)}/vcpus`);
const vcpusQuery = (id: string) => queryOptions({ queryKey: keys.vcpus(id), queryFn: () => getVcpus(id) });

/** The CPU each vCPU last ran on changes all the time: refresh every 2 s while the table is shown. */
export const useVcpus = (id: string, running: boolean) =>
  useQuery({ ...vcpusQuery(id), enabled: running, refetchInterval: running ? 2000 : false });
