import { useJobs } from '../../api/image-actions';
import { Card } from '../../components/card';
import { formatTime } from '../../components/format';

/** Long work and how it ended, including jobs a restart finished or rolled back. */
export function JobsCard() {
  const jobs = (useJobs().data ?? []).slice(0, 8);
  return (
    <Card title="Recent jobs">
      {jobs.length === 0 ? (
        <p className="text-sm text-slate-500">No jobs yet.</p>
      ) : (
        <ul className="space-y-2 text-sm" data-testid="jobs">
          {jobs.map((job) => (
            <li key={job.id}>
              <div className="flex justify-between">
                <span className="font-medium">{job.title}</span>
                <span className={job.state === 'failed' ? 'text-red-600' : 'text-slate-500'}>
                  {job.state}
                  {job.state === 'running' ? ` ${Math.round(job.progress * 100)}%` : ''}
                </span>
              </div>
              <div className="text-xs text-slate-500">
                {formatTime(job.updatedAt)}
                {job.result ? ` — ${job.result}` : job.error ? ` — ${job.error}` : ''}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
