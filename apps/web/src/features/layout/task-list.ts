import type { Job, JobState, Vm } from '@strata/contract';
import type { ActionEntry } from '../../shared/action-feed';

/** One line of the task bar: a server job, an action of this browser, or a VM on its way up or down. */
export interface TaskItem {
  key: string;
  label: string;
  state: JobState;
  /** 0..1 where the work reports it. */
  progress?: number;
  detail?: string;
  at: number;
  link?: string;
  /** Set for a job that can still be cancelled. */
  cancelJobId?: string;
}

export const KEEP_RECENT = 15;
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
export const isOpen = (t: { state: JobState }) => t.state === 'queued' || t.state === 'running';

function fromJob(job: Job): TaskItem {
  const open = isOpen(job);
  return {
    key: `job-${job.id}`,
    label: sentence(job.title),
    state: job.state,
    progress: job.state === 'running' ? job.progress : undefined,
    detail: job.error ?? job.result,
    at: Date.parse(open ? job.createdAt : job.updatedAt),
    link: job.vmId ? `/vms/${job.vmId}` : job.imageId ? '/images' : job.kind === 'benchmark' ? '/benchmarks' : undefined,
    cancelJobId: open ? job.id : undefined,
  };
}

const ACTION_STATE: Record<ActionEntry['state'], JobState> = { running: 'running', succeeded: 'succeeded', failed: 'failed' };
const fromAction = (a: ActionEntry): TaskItem => ({
  key: `action-${a.id}`,
  label: a.label,
  state: ACTION_STATE[a.state],
  detail: a.error,
  at: a.endedAt ?? a.startedAt,
  link: a.link,
});

const TRANSITION: Partial<Record<Vm['state'], string>> = { starting: 'Starting', stopping: 'Stopping' };

/**
 * What the task bar lists: work under way first (newest first), then the most recent endings. An
 * action that started a job is shown as that job once the job list holds it.
 */
export function taskItems(
  jobs: readonly Job[],
  actions: readonly ActionEntry[],
  vms: readonly Vm[],
  now = Date.now(),
): { open: TaskItem[]; recent: TaskItem[] } {
  const jobIds = new Set(jobs.map((j) => j.id));
  const items = [
    ...jobs.map(fromJob),
    ...actions.filter((a) => !(a.jobId && jobIds.has(a.jobId))).map(fromAction),
    ...vms.flatMap((vm): TaskItem[] => {
      const verb = TRANSITION[vm.state];
      return verb ? [{ key: `vm-${vm.id}`, label: `${verb} ${vm.name}`, state: 'running', at: now, link: `/vms/${vm.id}` }] : [];
    }),
  ];
  const byTime = (a: TaskItem, b: TaskItem) => b.at - a.at;
  return {
    open: items.filter(isOpen).sort(byTime),
    recent: items
      .filter((t) => !isOpen(t))
      .sort(byTime)
      .slice(0, KEEP_RECENT),
  };
}

export const STATE_WORDS: Record<JobState, string> = {
  queued: 'waiting',
  running: 'running',
  succeeded: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};
