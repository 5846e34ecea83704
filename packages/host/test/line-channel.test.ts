import { getEventListeners } from 'node:events';
import { duplexPair, type Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { LineChannel } from '../src/line-channel.js';

/** The far end as a guest's agent would be: lines it received, and a way to write raw bytes back. */
function setup(options: { maxLineBytes?: number; closeReason?: () => string } = {}) {
  const [host, guest] = duplexPair();
  const channel = new LineChannel(host, { probeMs: 20, ...options });
  const received: string[] = [];
  let partial = '';
  guest.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('latin1')).split('\n');
    partial = parts.pop()!;
    received.push(...parts);
  });
  channels.push({ channel, guest });
  return { channel, guest, received };
}
const channels: { channel: LineChannel; guest: Duplex }[] = [];
afterEach(() => {
  for (const { channel } of channels.splice(0)) channel.close();
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};
const settled = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (err: Error) => ({ error: err.message }),
  );

describe('LineChannel: one line each way, matched by id', () => {
  it('holds calls until the other side says hello, then matches replies by id in any order', async () => {
    const { channel, guest, received } = setup();
    const a = channel.call((id) => `${id} ping`, { timeoutMs: 2000 });
    const b = channel.call((id) => `${id} device 512`, { timeoutMs: 2000 });
    await new Promise((r) => setTimeout(r, 30));
    expect(received.filter((l) => !l.startsWith('0 '))).toEqual([]);
    guest.write('hello strata-agent 1\n');
    await until(() => received.includes('2 device 512'));
    expect(received).toContain('1 ping');
    // Split across writes, the second reply first, with a CR the guest's tty may add.
    guest.write('ok 2 /dev/v');
    guest.write('db\r\nok 1\n');
    expect(await b).toEqual({ ok: true, payload: '/dev/vdb' });
    expect(await a).toEqual({ ok: true, payload: '' });
  });

  it("is ready when the probe '0 ping' is answered (a channel reattached long after hello), ignoring echo before that", async () => {
    const { channel, guest, received } = setup();
    await until(() => received.includes('0 ping'));
    guest.write('0 ping\n'); // a serial line echoing before its agent set it raw: not garbage yet
    const call = channel.call((id) => `${id} dropcaches`, { timeoutMs: 2000 });
    guest.write('ok 0\n');
    await until(() => received.includes('1 dropcaches'));
    guest.write('err 1 could not drop the caches\n');
    expect(await call).toEqual({ ok: false, payload: 'could not drop the caches' });
  });

  it('drops a late reply to a call that timed out, and fails calls on garbage once ready', async () => {
    const { channel, guest } = setup();
    guest.write('hello\n');
    expect(await settled(channel.call((id) => `${id} fio`, { timeoutMs: 30 }))).toEqual({
      error: "the guest's agent did not answer within 30 ms",
    });
    const next = channel.call((id) => `${id} ping`, { timeoutMs: 2000 });
    guest.write('ok 1 {"late": true}\n'); // the timed-out call's: ignored
    guest.write('ok 2\n');
    expect(await next).toEqual({ ok: true, payload: '' });
    const third = settled(channel.call((id) => `${id} ping`, { timeoutMs: 2000 }));
    guest.write('\x1b[6n$ rm -rf /\n');
    expect(await third).toEqual({ error: "the guest's agent answered garbage: ?[6n$ rm -rf /" });
  });

  it('fails the pending call when a line grows past the bound, and goes on with the next line', async () => {
    const { channel, guest } = setup({ maxLineBytes: 64 });
    guest.write('hello\n');
    const big = settled(channel.call((id) => `${id} fio`, { timeoutMs: 2000 }));
    guest.write(`ok 1 ${'x'.repeat(40)}`);
    guest.write(`${'x'.repeat(40)}\n`);
    expect(await big).toEqual({ error: "the guest's agent sent a line longer than 64 bytes" });
    const after = channel.call((id) => `${id} ping`, { timeoutMs: 2000 });
    guest.write('ok 2\n');
    expect(await after).toEqual({ ok: true, payload: '' });
  });

  it('holds a line that trickles in a byte per packet in one buffer within twice the bound, and delivers it whole', async () => {
    const { channel, guest } = setup({ maxLineBytes: 32 * 1024 });
    guest.write('hello\n');
    const call = channel.call((id) => `${id} fio`, { timeoutMs: 10_000 });
    const payload = 'y'.repeat(20_000);
    for (const ch of `ok 1 ${payload}`) guest.write(ch);
    await until(() => channel.heldBytes >= 20_000);
    // A Buffer per byte would be 20,000 objects (~16x the bytes in heap); one buffer stays near the line.
    expect(channel.heldBytes).toBeLessThanOrEqual(2 * 20_005);
    guest.write('\n');
    expect(await call).toEqual({ ok: true, payload });
    expect(channel.heldBytes).toBe(0);
  });

  it('fails pending and later calls at once when the stream closes, with the reason given', async () => {
    const { channel, guest } = setup({ closeReason: () => 'QEMU exited' });
    guest.write('hello\n');
    const pending = settled(channel.call((id) => `${id} fio`, { timeoutMs: 60_000 }));
    const waiting = Date.now();
    guest.end();
    expect(await pending).toEqual({ error: 'the guest stopped answering: QEMU exited' });
    expect(Date.now() - waiting).toBeLessThan(1000);
    expect(await settled(channel.call((id) => `${id} ping`, { timeoutMs: 60_000 }))).toEqual({
      error: 'the guest stopped answering: QEMU exited',
    });
  });

  it('gives up a call when its signal aborts, and says when the other side never listened', async () => {
    const { channel, guest } = setup();
    expect(await settled(channel.call((id) => `${id} ping`, { timeoutMs: 30 }))).toEqual({
      error: "the guest's agent was not listening within 30 ms",
    });
    guest.write('hello\n');
    const abort = new AbortController();
    const call = settled(channel.call((id) => `${id} fio`, { timeoutMs: 60_000, signal: abort.signal }));
    abort.abort();
    expect(await call).toEqual({ error: 'the call to the guest agent was cancelled' });
    expect(await settled(channel.call((id) => `${id} fio`, { timeoutMs: 60_000, signal: abort.signal }))).toEqual({
      error: 'the call to the guest agent was cancelled',
    });
  });
  it('leaves no abort listener on a long-lived signal once a call settles, however it settles', async () => {
    // A benchmark run passes its job's one signal to every agent call: 11 listeners at once warned of a leak.
    const job = new AbortController();
    const listeners = () => getEventListeners(job.signal, 'abort').length;
    const { channel, guest, received } = setup();
    // Timed out before the other side listened.
    await settled(channel.call((id) => `${id} ping`, { timeoutMs: 20, signal: job.signal }));
    expect(listeners()).toBe(0);
    guest.write('hello\n');
    for (let i = 0; i < 30; i++) {
      let id = 0;
      const call = settled(channel.call((n) => `${(id = n)} ping`, { timeoutMs: i % 3 === 2 ? 10 : 2000, signal: job.signal }));
      expect(listeners()).toBe(1);
      await until(() => received.includes(`${id} ping`));
      // Answered ok, answered err, or timed out (its late reply dropped): each takes its listener with it.
      if (i % 3 === 0) guest.write(`ok ${id}\n`);
      else if (i % 3 === 1) guest.write(`err ${id} busy\n`);
      await call;
      if (i % 3 === 2) guest.write(`ok ${id}\n`);
      expect(listeners()).toBe(0);
    }
    // Failed by the stream closing under a pending call.
    const pending = settled(channel.call((id) => `${id} fio`, { timeoutMs: 60_000, signal: job.signal }));
    expect(listeners()).toBe(1);
    guest.end();
    expect(await pending).toEqual({ error: 'the guest stopped answering: its channel closed' });
    expect(listeners()).toBe(0);
    expect(job.signal.aborted).toBe(false);
  });
});
