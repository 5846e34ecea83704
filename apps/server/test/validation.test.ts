import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

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
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/vms',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"name":',
    });
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
    for (const [method, url] of [
      ['GET', '/vms/abc123'],
      ['DELETE', '/vms/abc123'],
      ['POST', '/vms/abc123/start'],
      ['POST', '/vms/abc123/stop'],
      ['GET', '/vms/abc123/log'],
    ] as const) {
      const res = await server.app.inject({ method, url: `/api/v1${url}`, headers: auth });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json()).toEqual({ code: 'vm_not_found', message: "no vm with id 'abc123'" });
    }
    const route = await server.app.inject({ url: '/api/v1/nothing-here', headers: auth });
    expect(route.statusCode).toBe(404);
    expect(route.json().code).toBe('not_found');
  });

  it('refuses wrong JSON types instead of coercing them', async () => {
    const image = { name: 'x', format: 'qcow2', sizeBytes: 1048576 };
    const cases: [string, unknown, string][] = [
      ['/api/v1/images', { ...image, name: true }, 'body.name'],
      ['/api/v1/images', { ...image, lazyRefcounts: 0 }, 'body.lazyRefcounts'],
      ['/api/v1/images', { ...image, lazyRefcounts: null }, 'body.lazyRefcounts'],
      ['/api/v1/images', { ...image, sizeBytes: '1048576' }, 'body.sizeBytes'],
      ['/api/v1/images', { ...image, name: ['x'] }, 'body.name'],
      ['/api/v1/vms', { name: 'a', memoryMiB: '128' }, 'body.memoryMiB'],
      ['/api/v1/vms', { name: 123 }, 'body.name'],
    ];
    for (const [url, body, field] of cases) {
      const res = await post(url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().field, JSON.stringify(body)).toBe(field);
    }
    // Query strings are text: numbers are still read from them.
    const lines = await server.app.inject({ url: '/api/v1/vms/abc123/log?lines=5', headers: auth });
    expect(lines.statusCode).toBe(404);
  });

  it('refuses what qemu-img would refuse, naming the field, and maps any other refusal to a 400', async () => {
    const base = { name: 'combo', format: 'qcow2', sizeBytes: 1048576 };
    const lazy = await post('/api/v1/images', { ...base, compat: '0.10', lazyRefcounts: true });
    expect(lazy.statusCode).toBe(400);
    expect(lazy.json()).toMatchObject({ field: 'body.lazyRefcounts', message: expect.stringMatching(/compat 1\.1/) });
    const raw = await post('/api/v1/images', { ...base, format: 'raw', preallocation: 'metadata' });
    expect(raw.statusCode).toBe(400);
    expect(raw.json().field).toBe('body.preallocation');
    const huge = await post('/api/v1/images', { ...base, clusterSize: 512, sizeBytes: 16 * 1024 ** 4 });
    expect(huge.statusCode).toBe(400);
    expect(huge.json()).toMatchObject({ code: 'tool_refused', field: 'body', message: expect.stringMatching(/too large/) });
    expect((await post('/api/v1/images', { ...base, compat: '0.10', lazyRefcounts: false })).statusCode).toBe(201);
  });

  it('answers a resize that qemu-img refuses with a 400 naming the field', async () => {
    const made = await post('/api/v1/images', { name: 'to-vpc', format: 'qcow2', sizeBytes: 1048576 });
    const job = await post(`/api/v1/images/${made.json().id}/convert`, { format: 'vpc', name: 'as-vpc' });
    expect(job.statusCode).toBe(202);
    let state = 'running';
    for (const deadline = Date.now() + 30_000; state === 'running' || state === 'queued';) {
      if (Date.now() > deadline) throw new Error('the conversion did not end');
      await new Promise((r) => setTimeout(r, 100));
      state = (await server.app.inject({ url: `/api/v1/jobs/${job.json().id}`, headers: auth })).json().state;
    }
    expect(state).toBe('succeeded');
    const vpc = ((await server.app.inject({ url: '/api/v1/images', headers: auth })).json() as { id: string; name: string }[]).find(
      (i) => i.name === 'as-vpc',
    )!;
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/images/${vpc.id}/resize`,
      headers: auth,
      payload: { sizeBytes: 4194304 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'tool_refused',
      field: 'body.sizeBytes',
      message: expect.stringMatching(/does not support resize/),
    });
  });

  it('refuses an image name that is taken, so no image can stand in for the default one', async () => {
    for (const name of ['combo', 'strata-mini']) {
      const res = await post('/api/v1/images', { name, format: 'qcow2', sizeBytes: 1048576 });
      expect(res.statusCode, name).toBe(409);
      expect(res.json().code).toBe('name_taken');
    }
  });

  it('created nothing along the way', async () => {
    expect((await server.app.inject({ url: '/api/v1/vms', headers: auth })).json()).toEqual([]);
    const images = (await server.app.inject({ url: '/api/v1/images', headers: auth })).json() as {
      ownerVmId: string | null;
      name: string;
    }[];
    expect(images.filter((i) => i.ownerVmId !== null)).toEqual([]);
    expect(images.map((i) => i.name)).not.toContain('true');
    expect(images.filter((i) => i.name === 'combo')).toHaveLength(1);
  });
});
