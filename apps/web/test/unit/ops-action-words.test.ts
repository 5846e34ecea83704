import { describe, expect, it } from 'vitest';
import type { Job, Vm } from '@strata/contract';
import { ApiError } from '../../src/api/client';
import { jobsEnded, linkFor, recordAction, toastsFailure, type ActionEntry } from '../../src/shared/action-feed';
import { describeWrite, type NameOf } from '../../src/shared/action-words';
import { taskItems } from '../../src/features/layout/task-list';

const KNOWN: Record<string, string> = { 'vm:v1': 'web-1', 'image:i1': 'base', 'user:u2': 'alice' };
const names: NameOf = (kind, id) => KNOWN[`${kind}:${id}`];

describe('actions in words', () => {
  it('names the VM from what the web holds', () => {
    expect(describeWrite('POST', '/vms/v1/start', undefined, undefined, names)).toBe('Start web-1');
    expect(describeWrite('DELETE', '/vms/v1', undefined, undefined, names)).toBe('Delete VM web-1');
    expect(describeWrite('POST', '/vms', { name: 'db' }, undefined, names)).toBe('Create VM db');
  });

  it('falls back to the id for an unknown thing and decodes it', () => {
    expect(describeWrite('POST', '/vms/x%20y/stop', undefined, undefined, names)).toBe('Force stop x y');
  });

  it('says what a user change does without showing a password', () => {
    expect(describeWrite('PATCH', '/users/u2', { role: 'operator' }, undefined, names)).toBe('Make alice an operator');
    expect(describeWrite('PATCH', '/users/u2', { role: 'viewer' }, undefined, names)).toBe('Make alice a viewer');
    const reset = describeWrite('PATCH', '/users/u2', { password: 'hunter22hunter' }, undefined, names)!;
    expect(reset).toBe('Reset the password of alice');
    expect(reset).not.toContain('hunter');
  });

  it('keeps sign-in and sign-out silent and still names an unknown write', () => {
    expect(describeWrite('POST', '/auth/logout', undefined, undefined, names)).toBeNull();
    expect(describeWrite('POST', '/widgets/9/frob', undefined, undefined, names)).toBe('Change widgets');
  });

  it('links to the page of the thing acted on', () => {
    expect(linkFor('/vms/v1/disks/d0/snapshots')).toBe('/vms/v1');
    expect(linkFor('/images/i1/convert?x=1')).toBe('/images');
    expect(linkFor('/jobs/j1/cancel')).toBeUndefined();
  });

  it('toasts a failure unless the form shows it next to its field, or the login page takes over', () => {
    expect(toastsFailure(new ApiError(409, 'last_admin', 'the last admin cannot be deleted'))).toBe(true);
    expect(toastsFailure(new ApiError(400, 'invalid', 'body.name must match pattern', 'body.name'))).toBe(false);
    expect(toastsFailure(new ApiError(400, 'invalid', 'body must NOT have fewer than 1 properties', 'body'))).toBe(true);
    expect(toastsFailure(new ApiError(401, 'unauthorized', 'sign in'))).toBe(false);
    expect(toastsFailure(new TypeError('Failed to fetch'))).toBe(true);
  });
});

const entry = (id: number, startedAt: number, patch: Partial<ActionEntry> = {}): ActionEntry => ({
  id,
  label: `a${id}`,
  state: 'succeeded',
  startedAt,
  ...patch,
});

describe('task bar', () => {
  it('records actions newest first, replaces an entry in place and keeps a bounded number', () => {
    let list = recordAction([], entry(1, 10, { state: 'running' }), 2);
    list = recordAction(list, entry(2, 20), 2);
    list = recordAction(list, entry(1, 10, { state: 'failed' }), 2);
    expect(list.map((e) => [e.id, e.state])).toEqual([
      [2, 'succeeded'],
      [1, 'failed'],
    ]);
    expect(recordAction(list, entry(3, 30), 2).map((e) => e.id)).toEqual([3, 2]);
  });

  it('lists work under way apart from what ended, shows a job instead of the request that started it', () => {
    const job = (id: string, state: Job['state']): Job => ({
      id,
      kind: 'image',
      state,
      progress: 0.42,
      title: `convert ${id}`,
      vmId: null,
      imageId: 'i1',
      createdAt: '2026-11-30T06:00:00.000Z',
      updatedAt: '2026-11-30T06:01:00.000Z',
    });
    const vm = { id: 'v1', name: 'web-1', state: 'starting' } as Vm;
    const { open, recent } = taskItems(
      [job('j1', 'running'), job('j2', 'failed')],
      [entry(7, 5, { label: 'Convert image base', jobId: 'j1' }), entry(8, 6, { label: 'Start web-1', state: 'running' })],
      [vm, { ...vm, id: 'v2', state: 'running' }],
      Date.parse('2026-11-30T06:05:00.000Z'),
    );
    expect(open.map((t) => t.label)).toEqual(['Starting web-1', 'Convert j1', 'Start web-1']);
    expect(open.find((t) => t.label === 'Convert j1')).toMatchObject({ progress: 0.42, cancelJobId: 'j1', link: '/images' });
    expect(recent.map((t) => [t.label, t.state, t.cancelJobId])).toEqual([['Convert j2', 'failed', undefined]]);
    const bench = taskItems([{ ...job('j3', 'running'), kind: 'benchmark', imageId: null }], [], []).open[0];
    expect(bench?.link).toBe('/benchmarks');
  });
});

describe('job endings', () => {
  const job = (id: string, state: Job['state'], createdAt = '2026-11-30T06:00:00.000Z'): Job => ({
    id,
    kind: 'merge',
    state,
    progress: 0,
    title: `merge ${id}`,
    vmId: null,
    imageId: null,
    createdAt,
    updatedAt: createdAt,
  });
  const opened = Date.parse('2026-11-30T06:00:30.000Z');

  it('reports a job once, when it is seen to end after running', () => {
    const seen = new Map<string, Job['state']>();
    expect(jobsEnded(seen, [job('a', 'running')], opened)).toEqual([]);
    expect(jobsEnded(seen, [job('a', 'succeeded')], opened).map((j) => j.id)).toEqual(['a']);
    expect(jobsEnded(seen, [job('a', 'succeeded')], opened)).toEqual([]);
  });

  it('says nothing of jobs that ended before the page opened, but reports a quick one started since', () => {
    const seen = new Map<string, Job['state']>();
    const list = [job('old', 'failed'), job('quick', 'failed', '2026-11-30T06:01:00.000Z')];
    expect(jobsEnded(seen, list, opened).map((j) => j.id)).toEqual(['quick']);
  });
});

describe('actions of the VM operations and benchmarks', () => {
  it('names restart, grow, clone and a benchmark cancel', () => {
    expect(describeWrite('POST', '/vms/v1/restart', undefined, undefined, names)).toBe('Restart web-1');
    expect(describeWrite('POST', '/vms/v1/disks/d1/resize', { sizeBytes: 1 }, undefined, names)).toBe('Grow disk d1 of web-1');
    expect(describeWrite('POST', '/vms/v1/clone', { name: 'web-2' }, undefined, names)).toBe('Clone web-1 as web-2');
    expect(describeWrite('POST', '/benchmarks/b1/cancel', undefined, undefined, names)).toBe('Cancel the benchmark');
    expect(describeWrite('POST', '/benchmarks', {}, undefined, names)).toBe('Run the share benchmark');
  });
});
