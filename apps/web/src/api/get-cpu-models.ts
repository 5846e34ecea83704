import { queryOptions, useQuery } from '@tanstack/react-query';
import type { CpuModels } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

const getCpuModels = () => api<CpuModels>('GET', '/host/cpu-models');
const cpuModelsQuery = queryOptions({ queryKey: keys.cpuModels, queryFn: getCpuModels, staleTime: Infinity });
export const useCpuModels = () => useQuery(cpuModelsQuery);
