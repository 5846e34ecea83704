import { useEffect } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Image, Job, ShareView, User, Vm } from '@strata/contract';
import { keys } from '../api/keys';
import { onWrite } from '../api/write-log';
import { showToast } from '../components/toast-store';
import { humanizeSizes } from './error-text';
import { describeWrite, type NameOf } from './action-words';
import { failureText, jobsEnded, linkFor, putAction, toastsFailure } from './action-feed';
import { isUnderWay } from './job-state';

/** Names from what the web already holds: no request is made to word a toast. */
const namesFrom =
  (qc: QueryClient): NameOf =>
  (kind, id) => {
    const find = <T extends { id: string }>(key: readonly unknown[]) => qc.getQueryData<T[]>(key)?.find((x) => x.id === id);
    if (kind === 'vm') return (qc.getQueryData<Vm>(keys.vm(id)) ?? find<Vm>(keys.vms))?.name;
    if (kind === 'image') return find<Image>(keys.images)?.name;
    if (kind === 'share') return find<ShareView>(keys.shares)?.name;
    if (kind === 'user') return find<User>(['users'])?.username;
    return find<Job>(keys.jobs)?.title;
  };

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Follows every action from one place: each write to the server becomes a task-bar entry and a
 * toast when it ends, and each job seen under way gets a toast when it ends, however it was started.
 */
export function useActionFeed(enabled: boolean): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const nameOf = namesFrom(qc);
    const labels = new Map<number, string>();
    const stopWrites = onWrite({
      started: (w) => {
        // Named now: a delete removes the name from the cache before it ends.
        const label = describeWrite(w.method, w.path, w.body, undefined, nameOf);
        if (label === null) return;
        labels.set(w.id, label);
        putAction({ id: w.id, label, state: 'running', startedAt: w.startedAt, link: linkFor(w.path) });
      },
      ended: (w) => {
        const label = labels.get(w.id);
        labels.delete(w.id);
        if (label === undefined) return;
        const entry = {
          id: w.id,
          label,
          startedAt: w.startedAt,
          endedAt: Date.now(),
          link: w.method === 'DELETE' ? undefined : linkFor(w.path),
        };
        if (w.ok) {
          const job = w.result as Partial<Job> | undefined;
          putAction({ ...entry, state: 'succeeded', jobId: job?.state && typeof job.id === 'string' ? job.id : undefined });
          showToast('success', label, job?.state && isUnderWay(job as Job) ? 'Started: follow it in Tasks.' : 'Done.');
        } else {
          putAction({ ...entry, state: 'failed', error: failureText(w.error) });
          if (toastsFailure(w.error)) showToast('error', `${label} failed`, failureText(w.error));
        }
      },
    });
    const seen = new Map<string, Job['state']>();
    const since = Date.now();
    const watchJobs = (list: Job[] | undefined) => {
      for (const job of jobsEnded(seen, list ?? [], since)) {
        if (job.state === 'succeeded') showToast('success', `${sentence(job.title)}: done`, job.result && humanizeSizes(job.result));
        else if (job.state === 'failed') showToast('error', `${sentence(job.title)} failed`, job.error && humanizeSizes(job.error));
        else showToast('info', `${sentence(job.title)}: cancelled`, job.result && humanizeSizes(job.result));
      }
    };
    watchJobs(qc.getQueryData<Job[]>(keys.jobs));
    const stopJobs = qc.getQueryCache().subscribe((event) => {
      if (event.type === 'updated' && event.query.queryKey[0] === 'jobs' && event.query.queryKey.length === 1)
        watchJobs(event.query.state.data as Job[] | undefined);
    });
    return () => {
      stopWrites();
      stopJobs();
    };
  }, [enabled, qc]);
}
