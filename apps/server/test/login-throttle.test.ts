import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, auth, startServer, type TestServer } from './harness.js';
import { rawRequest } from './raw-http.js';

describe('login throttling on a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const login = (password: string, username = 'admin', localAddress?: string) =>
    rawRequest(server.url, { method: 'POST', path: '/api/v1/auth/login', body: JSON.stringify({ username, password }), localAddress });

  it('gives sixteen million loopback addresses one budget, not one each', async () => {
    const codes: number[] = [];
    for (let i = 2; i < 14; i++) codes.push((await login('guess', 'admin', `127.0.${i}.${i}`)).status);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5).every((c) => c === 429)).toBe(true);
    const refused = await login(PASSWORD, 'admin', '127.9.9.9');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The API token still works while password logins wait.
    expect((await rawRequest(server.url, { method: 'GET', path: '/api/v1/vms', headers: auth, localAddress: '127.9.9.9' })).status).toBe(
      200,
    );
  });

  it('locks an account tried from many addresses, and has a ceiling for all', async () => {
    const inject = (ip: string, username: string, password = 'guess') =>
      server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });
    const codes: number[] = [];
    for (let i = 0; i < 14; i++) codes.push((await inject(`10.20.${i}.1`, 'operator')).statusCode);
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes.slice(10).every((c) => c === 429)).toBe(true);
    let last = 0;
    for (let i = 0; i < 120 && last !== 429; i++) last = (await inject(`10.30.${i}.1`, `name-${i}`)).statusCode;
    expect(last).toBe(429);
    expect((await inject('10.40.0.1', 'nobody-yet')).statusCode).toBe(429);
  });
});
