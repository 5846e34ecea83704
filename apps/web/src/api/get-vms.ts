import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Vm } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

const getVms = () => api<Vm[]>('GET', '/vms');
const vmsQuery = queryOptions({ queryKey: keys.vms, queryFn: getVms });
export const useVms = () => useQuery(vmsQuery);
