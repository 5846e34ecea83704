import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, TOKEN, startServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const login = (password = PASSWORD, ip = '127.0.0.1') =>
  server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password }, remoteAddress: ip });

function sessionOf(res: Awaited<ReturnType<typeof login>>) {
  const cookie = res.cookies.find((c) => c.name === 'strata_session')!;
  return { cookie: `strata_session=${cookie.value}`, csrf: (res.json() as { csrfToken: string }).csrfToken, raw: cookie };
}

describe('authentication and request guards', () => {
  it('answers the health check without login and nothing else', async () => {
    expect((await server.app.inject({ url: '/api/v1/health' })).json()).toEqual({ status: 'ok', version: expect.any(String) });
    for (const url of ['/api/v1/vms', '/api/v1/host', '/api/v1/images', '/api/v1/openapi.json', '/api/v1/events']) {
      const res = await server.app.inject({ url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().code).toBe('login_required');
    }
  });

  it('logs in with a protected session cookie and refuses a wrong password', async () => {
    expect((await login('wrong', '10.0.0.1')).statusCode).toBe(401);
    const res = await login();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ username: 'admin', role: 'admin', csrfToken: expect.any(String) });
    const { raw } = sessionOf(res);
    expect(raw.httpOnly).toBe(true);
    expect(raw.sameSite).toBe('Strict');
    expect(raw.path).toBe('/');
  });

  it('rate-limits failed logins per client address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await login('bad', '10.9.9.9')).statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5)).toEqual([429, 429]);
    const limited = await login(PASSWORD, '10.9.9.9');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(PASSWORD, '10.9.9.10')).statusCode).toBe(200);
  });

  it('needs the CSRF header for mutations made with the session cookie', async () => {
    const { cookie, csrf } = sessionOf(await login());
    const body = { name: 'csrf-check', memoryMiB: 1 };
    const without = await server.app.inject({ method: 'POST', url: '/api/v1/vms', headers: { cookie }, payload: body });
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('csrf');
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/api/v1/vms',
      headers: { cookie, 'x-csrf-token': 'nope' },
      payload: body,
    });
    expect(wrong.statusCode).toBe(403);
    // With the right token the request reaches validation (memory 1 MiB is refused there, so nothing is created).
    const right = await server.app.inject({ method: 'POST', url: '/api/v1/vms', headers: { cookie, 'x-csrf-token': csrf }, payload: body });
    expect(right.statusCode).toBe(400);
    expect(right.json().field).toBe('body.memoryMiB');
    expect((await server.app.inject({ url: '/api/v1/vms', headers: { cookie } })).statusCode).toBe(200);
  });

  it('refuses foreign Host headers (DNS rebinding) and foreign Origins', async () => {
    const { cookie, csrf } = sessionOf(await login());
    const rebound = await server.app.inject({ url: '/api/v1/health', headers: { host: 'evil.example:8080' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().code).toBe('bad_host');
    const foreign = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': csrf, host: '127.0.0.1:8080', origin: 'http://evil.example' },
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().code).toBe('bad_origin');
    const same = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': csrf, host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' },
    });
    expect(same.statusCode).toBe(204);
    expect((await server.app.inject({ url: '/api/v1/vms', headers: { cookie } })).statusCode).toBe(401);
  });

  it('accepts the API token as a bearer, and only the right one', async () => {
    expect((await server.app.inject({ url: '/api/v1/vms', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    const bad = await server.app.inject({ url: '/api/v1/vms', headers: { authorization: 'Bearer nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('bad_token');
  });

  it('ends every session when the admin password changes, and keeps them across a plain restart', async () => {
    const { cookie } = sessionOf(await login());
    await server.restart();
    expect((await server.app.inject({ url: '/api/v1/vms', headers: { cookie } })).statusCode).toBe(200);
    server.config.adminPassword = 'a-new-password';
    try {
      await server.restart();
      const stale = await server.app.inject({ url: '/api/v1/vms', headers: { cookie } });
      expect(stale.statusCode).toBe(401);
      expect((await login('a-new-password')).statusCode).toBe(200);
    } finally {
      server.config.adminPassword = PASSWORD;
      await server.restart();
    }
  });

  it('documents the API as OpenAPI, generated from the contract', async () => {
    const doc = (await server.app.inject({ url: '/api/v1/openapi.json', headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/vms',
        '/api/v1/vms/{id}',
        '/api/v1/vms/{id}/start',
        '/api/v1/host',
        '/api/v1/images',
        '/api/v1/users/{id}/tokens/{tokenId}',
        '/api/v1/audit',
      ]),
    );
    expect(doc.paths['/api/v1/vms'].post.requestBody.content['application/json'].schema.required).toContain('name');
  });
});
