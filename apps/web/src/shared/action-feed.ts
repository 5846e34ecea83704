import { useSyncExternalStore } from 'react';
import type { Job } from '@strata/contract';
import { ApiError } from '../api/client';
import { isUnderWay } from './job-state';

/** One action this browser asked for, from the click to the server's answer. */
export interface ActionEntry {
  id: number;
  label: string;
  state: 'running' | 'succeeded' | 'failed';
  error?: string;
  startedAt: number;
  endedAt?: number;
  /** Where the thing it acted on is shown, if anywhere. */
  link?: string;
  /** The job it started, which the task bar shows instead once it knows it. */
  jobId?: string;
}

export const KEEP_ACTIONS = 20;

/** The page that shows what a request acted on: /vms/abc/start → /vms/abc. */
export function linkFor(path: string): string | undefined {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const [top, id] = parts;
  if (top === 'vms') return id ? `/vms/${id}` : '/vms';
  if (top === 'images' || top === 'shares' || top === 'users' || top === 'benchmarks') return `/${top}`;
  if (top === 'host') return '/host';
  return undefined;
}

/**
 * Whether a failure earns a toast. A field the server refused is said next to that field in the
 * form that sent it, and a 401 brings the login page: neither needs a toast too.
 */
export function toastsFailure(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  if (error.status === 401) return false;
  return !(error.status === 400 && error.field !== undefined && !['body', 'params', 'query', 'querystring'].includes(error.field));
}

/** The failure in words: the API's sentence, or for a request that never arrived, why. */
export const failureText = (error: unknown): string =>
  error instanceof ApiError
    ? error.message
    : error instanceof TypeError
      ? 'The server did not answer: is it running, and is the network up?'
      : error instanceof Error
        ? error.message
        : String(error);

/** The newest first, at most KEEP_ACTIONS, an entry replaced in place when it ends. */
export function recordAction(list: readonly ActionEntry[], entry: ActionEntry, keep = KEEP_ACTIONS): ActionEntry[] {
  return [entry, ...list.filter((e) => e.id !== entry.id)].sort((a, b) => b.startedAt - a.startedAt || b.id - a.id).slice(0, keep);
}

/**
 * The jobs that ended since the last look, for a toast each: one seen under way, or one started
 * after the page opened that ended before the list showed it running. `seen` keeps each job's
 * last state between looks; jobs that had ended before the page opened are not news.
 */
export function jobsEnded(seen: Map<string, Job['state']>, list: readonly Job[], since: number): Job[] {
  const ended: Job[] = [];
  for (const job of list) {
    const before = seen.get(job.id);
    seen.set(job.id, job.state);
    if (isUnderWay(job) || before === job.state) continue;
    const news = before !== undefined ? isUnderWay({ state: before }) : Date.parse(job.createdAt) >= since;
    if (news) ended.push(job);
  }
  return ended;
}

let actions: readonly ActionEntry[] = [];
const listeners = new Set<() => void>();
export function putAction(entry: ActionEntry) {
  actions = recordAction(actions, entry);
  for (const l of listeners) l();
}
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};
export const useActions = () => useSyncExternalStore(subscribe, () => actions);
