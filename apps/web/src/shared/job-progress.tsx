import type { Job } from '@strata/contract';
import { ErrorBanner } from '../components/feedback';
import { humanizeSizes } from './error-text';
import { isUnderWay } from './job-state';

/** A job followed in a dialog: its title, state and progress bar, then how it ended. */
export function JobProgress({ job, testId }: { job: Job; testId: string }) {
  const percent = Math.round(job.progress * 100);
  return (
    <div className="space-y-2" data-testid={testId}>
      <div className="flex justify-between text-sm">
        <span>{job.title}</span>
        <span data-testid={`${testId}-state`}>{isUnderWay(job) ? `${percent}%` : job.state}</span>
      </div>
      <div
        className="h-2 overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
        role="progressbar"
        aria-label={job.title}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div
          className={`h-full transition-all ${job.state === 'failed' ? 'bg-red-500' : 'bg-indigo-600'}`}
          style={{ width: `${percent}%` }}
        />
      </div>
      {job.state === 'succeeded' && <p className="text-sm text-emerald-700 dark:text-emerald-400">{humanizeSizes(job.result ?? 'done')}</p>}
      {!isUnderWay(job) && job.state !== 'succeeded' && <ErrorBanner error={humanizeSizes(job.error ?? job.result ?? job.state)} />}
    </div>
  );
}
