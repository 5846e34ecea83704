import type { JobState } from '@strata/contract';

/** Queued or running: the job has not ended, so what it changes is still changing. */
export const isUnderWay = (job: { state: JobState }): boolean => job.state === 'queued' || job.state === 'running';
