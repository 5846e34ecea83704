import { useJobs } from '../../api/image-actions';
import { Card } from '../../components/card';
import { formatTime } from '../../components/format';
import { humanizeSizes } from '../../shared/error-text';

const STATE_WORDS: Record<string, string> = { queued: 'waiting', succeeded: 'done' };

/** Long work and how it ended, including jobs a restart finished or rolled back. */
export function JobsCard() {
  const jobs = (useJobs().data ?? []).slice(0, 8);
  return (
    <Card title="Recent jobs">
      {jobs.length === 0 ? (
        <p className="text-sm text-slate-500">No jobs yet: merges, conversions and clones show here with their progress.</p>
      ) : (
        <ul className="space-y-2 text-sm" data-testid="jobs">
          {jobs.map((job) => (
            <li key={job.id}>
              <div className="flex justify-between gap-3">
                <span className="min-w-0 font-medium break-words">{job.title}</span>
                <span className={`shrink-0 ${job.state === 'failed' ? 'text-red-600' : 'text-slate-500'}`}>
                  {STATE_WORDS[job.state] ?? job.state}
                  {job.state === 'running' ? ` ${Math.round(job.progress * 100)}%` : ''}
                </span>
              </div>
              <div className="text-xs break-words text-slate-500">
                {formatTime(job.updatedAt)}
                {job.result ? ` — ${humanizeSizes(job.result)}` : job.error ? ` — ${humanizeSizes(job.error)}` : ''}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
