import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@strata/core';
import { QmpClient, QmpError, type QmpEvent } from '../src/qmp-client.js';
import { fakeQmp } from './fake-qmp.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('QmpClient', () => {
  it('matches replies to calls by id, even out of order, and passes events to subscribers', async () => {
    const { path, server, dir } = await fakeQmp((msg, socket) => {
      const reply = () => socket.write(`${JSON.stringify({ return: { echo: msg.execute }, id: msg.id })}\r\n`);
      if (msg.execute === 'slow') setTimeout(reply, 50);
      else {
        socket.write(`${JSON.stringify({ event: 'STOP', data: { reason: 'test' } })}\r\n`);
        reply();
      }
    });
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const qmp = await QmpClient.connect(path);
    const events: QmpEvent[] = [];
    const dispose = qmp.onEvent((e) => events.push(e));
    const [slow, fast] = await Promise.all([qmp.execute('slow'), qmp.execute('fast')]);
    expect(slow).toEqual({ echo: 'slow' });
    expect(fast).toEqual({ echo: 'fast' });
    expect(events.map((e) => e.event)).toEqual(['STOP']);
    dispose();
    await qmp.execute('fast');
    expect(events).toHaveLength(1);
    qmp.close();
  });

  it('turns QMP errors into QmpError with their class', async () => {
    const { path, server, dir } = await fakeQmp((msg, socket) =>
      socket.write(
        `${JSON.stringify({ error: { class: 'CommandNotFound', desc: 'The command nope has not been found' }, id: msg.id })}\r\n`,
      ),
    );
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const qmp = await QmpClient.connect(path);
    const err = await qmp.execute('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect((err as QmpError).errorClass).toBe('CommandNotFound');
    qmp.close();
  });

  it('times out a call that gets no answer, and rejects pending calls when the peer goes away', async () => {
    let peer: Socket | undefined;
    const { path, server, dir } = await fakeQmp((_msg, socket) => (peer = socket));
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const qmp = await QmpClient.connect(path);
    await expect(qmp.execute('silent', undefined, 100)).rejects.toThrow(/timed out after 100 ms/);
    const pending = qmp.execute('silent', undefined, 10_000);
    await expect.poll(() => peer !== undefined).toBe(true);
    let closed = false;
    qmp.onClose(() => (closed = true));
    peer!.destroy();
    await expect(pending).rejects.toThrow(/closed/);
    expect(closed).toBe(true);
    await expect(qmp.execute('after')).rejects.toThrow(/closed/);
  });

  it('delivers each event, with its data, to every subscriber, between replies', async () => {
    const { path, server, dir } = await fakeQmp((msg, socket) => {
      // Two events and the reply in one write, the way QEMU may batch them.
      socket.write(
        [
          { event: 'JOB_STATUS_CHANGE', data: { id: 'job0', status: 'ready' }, timestamp: { seconds: 1, microseconds: 2 } },
          { event: 'SHUTDOWN', data: { guest: true, reason: 'guest-shutdown' } },
          { return: {}, id: msg.id },
        ]
          .map((m) => `${JSON.stringify(m)}\r\n`)
          .join(''),
      );
    });
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const qmp = await QmpClient.connect(path);
    const first: QmpEvent[] = [];
    const second: string[] = [];
    qmp.onEvent((e) => first.push(e));
    qmp.onEvent((e) => second.push(e.event));
    await qmp.execute('anything');
    expect(first).toEqual([
      { event: 'JOB_STATUS_CHANGE', data: { id: 'job0', status: 'ready' }, timestamp: { seconds: 1, microseconds: 2 } },
      { event: 'SHUTDOWN', data: { guest: true, reason: 'guest-shutdown' } },
    ]);
    expect(second).toEqual(['JOB_STATUS_CHANGE', 'SHUTDOWN']);
    qmp.close();
  });

  it('logs malformed messages, and a subscriber that throws, and keeps going', async () => {
    const { path, server, dir } = await fakeQmp((msg, socket) => {
      socket.write('this is not json\r\n');
      socket.write('[1, 2]\r\n');
      socket.write('{"event": "STOP"}\r\n');
      socket.write(`${JSON.stringify({ return: 'after the noise', id: msg.id })}\r\n`);
    });
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const errors: string[] = [];
    const logger: Logger = {
      info: () => undefined,
      warn: (fields, message) => warnings.push({ fields, message }),
      error: (_fields, message) => errors.push(message),
      child: () => logger,
    };
    const qmp = await QmpClient.connect(path, { logger });
    const seen: string[] = [];
    qmp.onEvent(() => {
      throw new Error('subscriber bug');
    });
    qmp.onEvent((e) => seen.push(e.event));
    expect(await qmp.execute('noisy')).toBe('after the noise');
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/not JSON/), expect.stringMatching(/not an object/)]);
    expect(warnings[0]!.fields.line).toBe('this is not json');
    expect(errors).toEqual([expect.stringMatching(/subscriber threw/)]);
    expect(seen).toEqual(['STOP']);
    qmp.close();
  });

  it('names the reason when the QMP socket does not answer in time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qmp-'));
    const path = join(dir, 'qmp.sock');
    // Accepts the connection and never greets, as a QEMU whose monitor is busy with another client.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(path, resolve));
    cleanups.push(() => {
      silent.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await expect(QmpClient.connect(path, { timeoutMs: 150 })).rejects.toThrow(/no QMP greeting .* within 150 ms/);
    await expect(QmpClient.connect(join(dir, 'missing.sock'))).rejects.toThrow(/QMP connect to .* failed/);
  });
});
