import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Job, StrataEvent, Vm } from '@strata/contract';
import { isUnderWay } from '../shared/job-state';
import { newerJob } from './job-cache';
import { keys } from './keys';

/** One EventSource for the app: pushed events update or invalidate queries, so nothing polls. */
export function useEventStream(enabled: boolean): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/api/v1/events');
    const onEvent = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as StrataEvent;
      switch (event.type) {
        case 'vm.changed':
          qc.setQueryData(keys.vm(event.vm.id), event.vm);
          qc.setQueryData<Vm[]>(keys.vms, (list) =>
            list
              ? list.some((v) => v.id === event.vm.id)
                ? list.map((v) => (v.id === event.vm.id ? event.vm : v))
                : [...list, event.vm]
              : list,
          );
          void qc.invalidateQueries({ queryKey: keys.host });
          void qc.invalidateQueries({ queryKey: keys.vmLog(event.vm.id) });
          void qc.invalidateQueries({ queryKey: keys.shares }); // who uses each share, and whether it runs
          break;
        case 'vm.deleted':
          qc.setQueryData<Vm[]>(keys.vms, (list) => list?.filter((v) => v.id !== event.id));
          // An open page of that VM asks once more, gets 404 and says the VM is gone.
          void qc.invalidateQueries({ queryKey: keys.vm(event.id), exact: true });
          void qc.invalidateQueries({ queryKey: keys.shares });
          break;
        case 'images.changed':
          void qc.invalidateQueries({ queryKey: keys.images });
          break;
        case 'shares.changed':
          void qc.invalidateQueries({ queryKey: keys.shares });
          break;
        case 'host.changed':
          void qc.invalidateQueries({ queryKey: keys.host });
          break;
        case 'job.changed':
          // Progress is patched in place; an ending job changes layers, so those are refetched.
          qc.setQueryData<Job>(keys.job(event.job.id), (cached) => newerJob(cached, event.job));
          qc.setQueryData<Job[]>(keys.jobs, (list) =>
            list
              ? [
                  newerJob(
                    list.find((j) => j.id === event.job.id),
                    event.job,
                  ),
                  ...list.filter((j) => j.id !== event.job.id),
                ]
              : list,
          );
          if (!isUnderWay(event.job)) {
            void qc.invalidateQueries({ queryKey: keys.images });
            void qc.invalidateQueries({ queryKey: keys.vms });
          }
          break;
      }
    };
    for (const type of ['vm.changed', 'vm.deleted', 'images.changed', 'shares.changed', 'host.changed', 'job.changed'])
      source.addEventListener(type, onEvent);
    // After a reconnect (server restart), anything may have changed while we were away.
    source.onopen = () => void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
    return () => source.close();
  }, [enabled, qc]);
}
