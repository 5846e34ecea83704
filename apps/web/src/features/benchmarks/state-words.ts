import type { JobState } from '@strata/contract';

/** A run's state as the page says it. */
export const STATE_WORDS: Record<JobState, string> = {
  queued: 'Waiting',
  running: 'Running',
  succeeded: 'Finished',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
