import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QmpClient, QmpError, type QmpEvent } from '../src/qmp-client.js';

/** A scripted QMP peer: the protocol logic is what is under test here, not QEMU. */
function fakeQmp(
  handle: (msg: { execute: string; id: string }, socket: Socket) => void,
): Promise<{ path: string; server: Server; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-'));
  const path = join(dir, 'qmp.sock');
  const server = createServer((socket) => {
    socket.write(`${JSON.stringify({ QMP: { version: {}, capabilities: [] } })}\r\n`);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const msg = JSON.parse(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
        if (msg.execute === 'qmp_capabilities') socket.write(`${JSON.stringify({ return: {}, id: msg.id })}\r\n`);
        else handle(msg, socket);
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve({ path, server, dir })));
}

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
});
