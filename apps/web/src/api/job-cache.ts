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
