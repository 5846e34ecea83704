import { queryOptions, useQuery } from '@tanstack/react-query';
import type { HostInfo } from '@strata/contract';
import { api } from './client';
import { keys } from './keys';

const getHost = () => api<HostInfo>('GET', '/host');
const hostQuery = queryOptions({ queryKey: keys.host, queryFn: getHost });
export const useHost = () => useQuery(hostQuery);
