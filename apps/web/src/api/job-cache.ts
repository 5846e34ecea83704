import type { Job, JobState } from '@strata/contract';

/** How far a job can get: a job never goes back from running to queued, or from an end to running. */
const STAGE: Record<JobState, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

/**
 * Which copy of a job to keep: a POST's reply can arrive after the event stream already said the
 * job ended, and an older copy must never hide the newer one (the dialog would wait forever).
 */
export function newerJob(cached: Job | undefined, incoming: Job): Job {
  if (!cached || cached.id !== incoming.id) return incoming;
  const stage = STAGE[incoming.state] - STAGE[cached.state];
  if (stage !== 0) return stage > 0 ? incoming : cached;
  return Date.parse(incoming.updatedAt) >= Date.parse(cached.updatedAt) ? incoming : cached;
}

/**
 * A job query's structuralSharing: a fetch answered just before the job ended can land after the
 * event stream said so, and must not put the older copy back (the dialog would wait forever).
 */
export const keepNewerJob = (cached: unknown, fetched: unknown): Job => newerJob(cached as Job | undefined, fetched as Job);

/** The same for the jobs list, job by job. */
export function keepNewerJobs(cached: unknown, fetched: unknown): Job[] {
  const known = new Map(((cached as Job[] | undefined) ?? []).map((j) => [j.id, j]));
  return (fetched as Job[]).map((j) => newerJob(known.get(j.id), j));
}
