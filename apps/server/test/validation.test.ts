import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const post = (url: string, payload: unknown) => server.app.inject({ method: 'POST', url, headers: auth, payload: payload as object });

describe('bad input gets a 4xx that names the field, and changes nothing', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['missing name', {}, 'body.name', /required/],
    ['name with a space', { name: 'my vm' }, 'body.name', /pattern/],
    ['name too long', { name: 'x'.repeat(64) }, 'body.name', /64|63/],
    ['zero cores', { name: 'a', cpu: { sockets: 1, cores: 0, threads: 1 } }, 'body.cpu.cores', />= 1/],
    ['unknown cpu field', { name: 'a', cpu: { sockets: 1, cores: 1, threads: 1, dies: 2 } }, 'body.cpu.dies', /not a known field/],
    ['memory not a number', { name: 'a', memoryMiB: 'lots' }, 'body.memoryMiB', /integer/],
    ['memory below the minimum', { name: 'a', memoryMiB: 32 }, 'body.memoryMiB', /at least 64 MiB/],
    ['memory above the host', { name: 'a', memoryMiB: 1048576 }, 'body.memoryMiB', /more than the host/],
    ['too many vCPUs', { name: 'a', cpu: { sockets: 8, cores: 8, threads: 2 } }, 'body.cpu', /128 vCPUs/],
    ['unknown hypervisor', { name: 'a', hypervisor: 'xen' }, 'body.hypervisor', /must/],
    ['unknown image', { name: 'a', image: 'nope' }, 'body.image', /no image/],
    ['unknown accelerator', { name: 'a', accelerator: 'hvf' }, 'body.accelerator', /must/],
    ['unknown top-level field', { name: 'a', disks: [] }, 'body.disks', /not a known field/],
  ];
  it.each(cases)('POST /vms with %s', async (_label, body, field, message) => {
    const res = await post('/api/v1/vms', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: expect.any(String), field });
    expect(res.json().message).toMatch(message);
  });

  it('names the field in a bad login body', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'body.password', message: 'body.password is required' });
  });

  it('refuses a body that is not JSON', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/vms', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(res.statusCode).toBe(400);
  });

  it('refuses malformed ids and query values with the field named', async () => {
    const bad = await server.app.inject({ url: '/api/v1/vms/Bad!Id', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('params.id');
    const lines = await server.app.inject({ url: '/api/v1/vms/abc/log?lines=0', headers: auth });
    expect(lines.statusCode).toBe(400);
    expect(lines.json().field).toBe('querystring.lines');
  });

  it('answers 404 for an unknown VM on every VM route, and for unknown routes', async () => {
    for (const [method, url] of [['GET', '/vms/abc123'], ['DELETE', '/vms/abc123'], ['POST', '/vms/abc123/start'], ['POST', '/vms/abc123/stop'], ['GET', '/vms/abc123/log']] as const) {
      const res = await server.app.inject({ method, url: `/api/v1${url}`, headers: auth });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json()).toEqual({ code: 'vm_not_found', message: "no vm with id 'abc123'" });
    }
    const route = await server.app.inject({ url: '/api/v1/nothing-here', headers: auth });
    expect(route.statusCode).toBe(404);
    expect(route.json().code).toBe('not_found');
  });

  it('created nothing along the way', async () => {
    expect((await server.app.inject({ url: '/api/v1/vms', headers: auth })).json()).toEqual([]);
    const images = (await server.app.inject({ url: '/api/v1/images', headers: auth })).json() as { ownerVmId: string | null }[];
    expect(images.filter((i) => i.ownerVmId !== null)).toEqual([]);
  });
});
