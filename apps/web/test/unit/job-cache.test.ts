import { describe, expect, it } from 'vitest';
import type { Job } from '@strata/contract';
import { newerJob } from '../../src/api/job-cache';

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
