import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { QmpClient } from '../src/qmp-client.js';
import { runBlockJob } from '../src/block-jobs.js';
import { fakeQmp, qmpLine } from './fake-qmp.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

interface Script {
  /** Send JOB_STATUS_CHANGE and BLOCK_JOB_* events as QEMU does (false: a QEMU whose events are lost). */
  events: boolean;
  /** The job's error once it concludes, if it fails. */
  error?: string;
  /** The signal runBlockJob watches; a fresh one unless given. */
  signal?: AbortSignal;
  /** Called by start() before it sends block-commit (start may send other commands first). */
  beforeCommit?(): void;
  /** Called as job-complete arrives, before the job concludes. */
  onComplete?(): void;
}

/**
 * A QEMU running one active-commit job: running → ready (after 150 ms) → job-complete → concluded
 * → job-dismiss. Records when each command arrived, relative to the moment the job became ready.
 */
async function qemuWithJob(script: Script) {
  const job = { id: '', status: 'created', current: 0, total: 1000 };
  const calls: { command: string; at: number }[] = [];
  let readyAt = 0;
  let cancelled = false;
  let peer: Socket | undefined;
  const emit = (event: string, data: Record<string, unknown>) => {
    if (script.events) peer?.write(qmpLine({ event, data, timestamp: { seconds: 0, microseconds: 0 } }));
  };
  const setStatus = (status: string) => {
    job.status = status;
    emit('JOB_STATUS_CHANGE', { id: job.id, status });
  };
  const { path, server, dir } = await fakeQmp((msg, socket) => {
    peer = socket;
    calls.push({ command: msg.execute, at: readyAt ? Date.now() - readyAt : -1 });
    const reply = (value: unknown = {}) => socket.write(qmpLine({ return: value, id: msg.id }));
    switch (msg.execute) {
      case 'block-commit':
        job.id = String(msg.arguments?.['job-id']);
        reply();
        setStatus('running');
        job.current = 400;
        setTimeout(() => {
          job.current = 1000;
          readyAt = Date.now();
          setStatus('ready');
          emit('BLOCK_JOB_READY', { type: 'commit', device: job.id, len: 1000, offset: 1000, speed: 0 });
        }, 150);
        return;
      case 'query-jobs':
        reply(
          job.status === 'null'
            ? []
            : [
                {
                  id: job.id,
                  type: 'commit',
                  status: job.status,
                  'current-progress': job.current,
                  'total-progress': job.total,
                  ...(job.status === 'concluded' && cancelled ? { error: 'Operation canceled' } : {}),
                  ...(job.status === 'concluded' && script.error ? { error: script.error } : {}),
                },
              ],
        );
        return;
      case 'job-complete':
        script.onComplete?.();
        reply();
        for (const status of ['waiting', 'pending']) setStatus(status);
        emit('BLOCK_JOB_COMPLETED', {
          type: 'commit',
          device: job.id,
          len: 1000,
          offset: 1000,
          speed: 0,
          ...(script.error ? { error: script.error } : {}),
        });
        setStatus('concluded');
        return;
      // As QEMU: only a job that exists and has not begun to complete can be cancelled.
      case 'block-job-cancel':
        if (msg.arguments?.['device'] !== job.id || !['running', 'ready', 'paused'].includes(job.status)) {
          socket.write(qmpLine({ error: { class: 'GenericError', desc: `cannot cancel ${job.status} job` }, id: msg.id }));
          return;
        }
        cancelled = true;
        reply();
        setStatus('aborting');
        setStatus('concluded');
        return;
      case 'job-dismiss':
        reply();
        setStatus('null');
        return;
      default:
        socket.write(qmpLine({ error: { class: 'CommandNotFound', desc: msg.execute }, id: msg.id }));
    }
  });
  const qmp = await QmpClient.connect(path);
  cleanups.push(() => {
    qmp.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const progress: number[] = [];
  const order: string[] = [];
  const run = runBlockJob(
    qmp,
    'commit-disk0',
    async () => {
      script.beforeCommit?.();
      return qmp.execute('block-commit', { 'job-id': 'commit-disk0' });
    },
    {
      onProgress: (p) => progress.push(p),
      onReady: () => order.push('ready'),
      signal: script.signal ?? new AbortController().signal,
    },
  );
  return { run, calls, progress, order };
}

describe('runBlockJob', () => {
  it('pivots as soon as QEMU says the job is ready, and ends when it concludes', async () => {
    const { run, calls, progress, order } = await qemuWithJob({ events: true });
    await run;
    const complete = calls.find((c) => c.command === 'job-complete')!;
    // Woken by the event, not by the next progress read half a second later.
    expect(complete.at).toBeGreaterThanOrEqual(0);
    expect(complete.at).toBeLessThan(150);
    expect(order).toEqual(['ready']);
    expect(calls.filter((c) => c.command === 'job-dismiss')).toHaveLength(1);
    expect(calls.at(-1)!.at - complete.at).toBeLessThan(150);
    expect(progress).toContain(0.4);
    expect(progress.at(-1)).toBe(1);
  });

  it("reports the job's own error", async () => {
    const { run } = await qemuWithJob({ events: true, error: 'No space left on device' });
    await expect(run).rejects.toThrow('QEMU block job failed: No space left on device');
  });

  it('still finishes when every event is lost, from the progress reads alone', async () => {
    const { run, calls } = await qemuWithJob({ events: false });
    await run;
    expect(calls.map((c) => c.command)).toContain('job-complete');
    expect(calls.at(-1)!.command).toBe('job-dismiss');
  });

  it('cancels a job whose cancel came before block-commit returned, once the job exists', async () => {
    const controller = new AbortController();
    const { run, calls } = await qemuWithJob({ events: true, signal: controller.signal, beforeCommit: () => controller.abort() });
    await expect(run).rejects.toThrow('cancelled');
    expect(calls.map((c) => c.command)).toContain('block-job-cancel');
    expect(calls.map((c) => c.command)).not.toContain('job-complete');
  });

  it('a cancel after job-complete is ignored: QEMU pivots, and the job succeeded', async () => {
    const controller = new AbortController();
    const { run, calls } = await qemuWithJob({ events: true, signal: controller.signal, onComplete: () => controller.abort() });
    await expect(run).resolves.toBeUndefined();
    expect(calls.map((c) => c.command)).not.toContain('block-job-cancel');
  });

  it('a cancel while the job runs ends it as cancelled', async () => {
    const controller = new AbortController();
    const { run, calls } = await qemuWithJob({ events: true, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(run).rejects.toThrow('cancelled');
    expect(calls.map((c) => c.command)).not.toContain('job-complete');
  });
});
