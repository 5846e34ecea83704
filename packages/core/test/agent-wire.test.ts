import { describe, expect, it } from 'vitest';
import { decodeAgentReply, encodeAgentRequest, guestAgentOver } from '../src/agent-wire.js';
import type { AgentRequest } from '../src/ports.js';

const fio = (over: Partial<Extract<AgentRequest, { op: 'fio' }>> = {}): AgentRequest => ({
  op: 'fio',
  path: '/bench/share1/fio.dat',
  rw: 'randread',
  blockSize: 4096,
  sizeMiB: 64,
  direct: true,
  runtimeSec: 30,
  ...over,
});

describe("the benchmark agent's wire format", () => {
  it('writes each request as the words the guest checks', () => {
    expect(encodeAgentRequest(7, { op: 'ping' })).toBe('7 ping');
    expect(encodeAgentRequest(8, { op: 'dropcaches' })).toBe('8 dropcaches');
    expect(encodeAgentRequest(9, { op: 'mount', transport: '9p', tag: 'share1', options: 'msize=1048576,cache=none' })).toBe(
      '9 mount 9p share1 msize=1048576,cache=none',
    );
    expect(encodeAgentRequest(10, { op: 'mount', transport: 'virtiofs', tag: 'v_1', options: '' })).toBe('10 mount virtiofs v_1 -');
    expect(encodeAgentRequest(11, { op: 'device', sizeBytes: 67108864 })).toBe('11 device 67108864');
    expect(encodeAgentRequest(12, fio())).toBe('12 fio /bench/share1/fio.dat randread 4096 64 1 30');
    expect(encodeAgentRequest(13, fio({ path: '/dev/sdb', rw: 'write', direct: false }))).toBe('13 fio /dev/sdb write 4096 64 0 30');
  });

  it.each<[string, AgentRequest, RegExp]>([
    ['a tag with a path in it', { op: 'mount', transport: '9p', tag: '../etc', options: '' }, /tag/],
    ['a tag that reads as an option', { op: 'mount', transport: '9p', tag: '-oremount', options: '' }, /tag/],
    ['options with a space', { op: 'mount', transport: '9p', tag: 't', options: 'msize=1 ro' }, /options/],
    ['an unknown transport', { op: 'mount', transport: 'nfs' as '9p', tag: 't', options: '' }, /transport/],
    ['a fractional size', { op: 'device', sizeBytes: 1.5 }, /sizeBytes/],
    ['a path out of /bench', fio({ path: '/bench/t/../../etc/passwd' }), /path/],
    ['a path elsewhere', fio({ path: '/etc/passwd' }), /path/],
    ['a hidden file', fio({ path: '/bench/t/.profile' }), /path/],
    ['a device path with a slash', fio({ path: '/dev/disk/by-id/x' }), /path/],
    ['an unknown pattern', fio({ rw: 'trim' as 'read' }), /rw/],
    ['a block size of zero', fio({ blockSize: 0 }), /blockSize/],
    ['a negative runtime', fio({ runtimeSec: -1 }), /runtimeSec/],
    ['an unknown op', { op: 'reboot' } as unknown as AgentRequest, /op/],
  ])('refuses %s before anything is sent', async (_what, request, field) => {
    expect(() => encodeAgentRequest(1, request)).toThrow(field);
    let sent = false;
    const agent = guestAgentOver(() => {
      sent = true;
      return Promise.resolve({ ok: true, payload: '' });
    });
    await expect(agent.call(request, { timeoutMs: 1000 })).rejects.toThrow(field);
    expect(sent).toBe(false);
  });

  it("reads the guest's replies, refusing payloads that do not fit the request", () => {
    expect(decodeAgentReply({ op: 'ping' }, { ok: true, payload: '' })).toEqual({ ok: true });
    expect(decodeAgentReply({ op: 'device', sizeBytes: 512 }, { ok: true, payload: '/dev/vdb' })).toEqual({ ok: true, path: '/dev/vdb' });
    expect(decodeAgentReply(fio(), { ok: true, payload: '{"jobs":[]}' })).toEqual({ ok: true, fio: { jobs: [] } });
    expect(decodeAgentReply(fio(), { ok: false, payload: 'fio failed: no O_DIRECT' })).toEqual({
      ok: false,
      error: 'fio failed: no O_DIRECT',
    });
    expect(() => decodeAgentReply({ op: 'device', sizeBytes: 512 }, { ok: true, payload: '/etc/shadow' })).toThrow(/garbage/);
    expect(() => decodeAgentReply(fio(), { ok: true, payload: '{"jobs": [' })).toThrow(/garbage/);
    expect(() => decodeAgentReply(fio(), { ok: true, payload: '42' })).toThrow(/garbage/);
    expect(() => decodeAgentReply({ op: 'ping' }, { ok: true, payload: 'surprise' })).toThrow(/garbage/);
  });
});
