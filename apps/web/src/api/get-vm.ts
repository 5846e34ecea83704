import { queryOptions, useQuery, type Query } from '@tanstack/react-query';
import type { Vm } from '@strata/contract';
import { api, ApiError } from './client';
import { keys } from './keys';

/** The server answered 404: the VM was deleted (or never was). */
export const isGone = (err: unknown): boolean => err instanceof ApiError && err.status === 404;

export const getVm = (id: string) => api<Vm>('GET', `/vms/${encodeURIComponent(id)}`);
const vmQuery = (id: string) =>
  queryOptions({
    queryKey: keys.vm(id),
    queryFn: () => getVm(id),
    retry: (count, err) => !isGone(err) && !(err instanceof ApiError && err.status < 500) && count < 2,
    // Once gone, nothing (an event's invalidation, a reconnect) asks for it again.
    enabled: (q: Query<Vm, Error, Vm, ReturnType<typeof keys.vm>>) => !isGone(q.state.error),
  });
export const useVm = (id: string) => useQuery(vmQuery(id));

const getVmLog = (id: string) => api<{ lines: string[] }>('GET', `/vms/${encodeURIComponent(id)}/log?lines=20`);
const vmLogQuery = (id: string) => queryOptions({ queryKey: keys.vmLog(id), queryFn: () => getVmLog(id) });
export const useVmLog = (id: string, enabled: boolean) => useQuery({ ...vmLogQuery(id), enabled });
