import { describe, expect, it } from 'vitest';
import type { Job } from '@strata/contract';
import { QueryClient } from '@tanstack/react-query';
import { newerJob } from '../../src/api/job-cache';
import { jobsQuery } from '../../src/api/image-actions';
import { jobQuery } from '../../src/api/layer-actions';
import { keys } from '../../src/api/keys';

const job = (patch: Partial<Job>): Job => ({
  id: 'j1',
  kind: 'merge',
  state: 'running',
  progress: 0,
  title: 'live commit',
  vmId: 'vm1',
  imageId: 'img1',
  createdAt: '2026-11-30T04:00:00.000Z',
  updatedAt: '2026-11-30T04:00:00.000Z',
  ...patch,
});

describe('newerJob', () => {
  it('takes the incoming copy when nothing is cached', () => {
    const incoming = job({});
    expect(newerJob(undefined, incoming)).toBe(incoming);
  });

  it('keeps an ended job over a late running copy (the POST reply arriving after the event)', () => {
    const ended = job({ state: 'succeeded', progress: 1, updatedAt: '2026-11-30T04:00:00.040Z' });
    expect(newerJob(ended, job({}))).toBe(ended);
  });

  it('keeps an ended job even when the older copy claims a later time', () => {
    const ended = job({ state: 'failed', updatedAt: '2026-11-30T04:00:00.040Z' });
    expect(newerJob(ended, job({ updatedAt: '2026-11-30T04:00:01.000Z' }))).toBe(ended);
  });

  it('moves a job forward to its end', () => {
    const ended = job({ state: 'succeeded', progress: 1, updatedAt: '2026-11-30T04:00:00.040Z' });
    expect(newerJob(job({}), ended)).toBe(ended);
  });

  it('within a stage, keeps the copy updated last', () => {
    const late = job({ progress: 0.6, updatedAt: '2026-11-30T04:00:02.000Z' });
    const early = job({ progress: 0.3, updatedAt: '2026-11-30T04:00:01.000Z' });
    expect(newerJob(late, early)).toBe(late);
    expect(newerJob(early, late)).toBe(late);
  });

  it('never goes back from running to queued', () => {
    const running = job({});
    expect(newerJob(running, job({ state: 'queued' }))).toBe(running);
  });
});

describe('the job queries', () => {
  // A merge of a few kilobytes ends 10 ms after the dialog's fetch was answered: the event stream's
  // "succeeded" arrives first, the fetched "running 93%" after it (seen in a CI run).
  const ended = job({ state: 'succeeded', progress: 1, updatedAt: '2026-11-30T04:00:00.090Z' });
  const late = job({ progress: 0.93, updatedAt: '2026-11-30T04:00:00.040Z' });

  it('keep the end the event stream brought over a fetch answered before it', async () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.job('j1'), ended);
    // The dialog's fetch after the POST's reply: the query was invalidated, so it is asked again.
    await qc.invalidateQueries({ queryKey: keys.job('j1') });
    await qc.fetchQuery({ ...jobQuery('j1'), staleTime: 0, queryFn: () => Promise.resolve(late) });
    expect(qc.getQueryData(keys.job('j1'))).toEqual(ended);
  });

  it('keep it in the jobs list too, and take what the fetch knows better', async () => {
    const qc = new QueryClient();
    const other = job({ id: 'j2', state: 'running', updatedAt: '2026-11-30T04:00:00.000Z' });
    const otherEnded = { ...other, state: 'failed' as const, updatedAt: '2026-11-30T04:00:01.000Z' };
    qc.setQueryData(keys.jobs, [ended, other]);
    await qc.fetchQuery({ ...jobsQuery, queryFn: () => Promise.resolve([late, otherEnded]) });
    expect(qc.getQueryData(keys.jobs)).toEqual([ended, otherEnded]);
  });
});
