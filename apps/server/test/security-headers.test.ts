import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startServer, type TestServer } from './harness.js';
import { rawRequest, type RawAnswer } from './raw-http.js';

const webDir = fileURLToPath(new URL('../../web/dist', import.meta.url));
let server: TestServer;

beforeAll(async () => {
  if (!existsSync(`${webDir}/index.html`)) throw new Error(`the web app is not built (${webDir}); run \`node scripts/build.mjs\` first`);
  server = await startServer({ webDir });
});
afterAll(async () => {
  await server?.close();
});

function expectHardened(res: RawAnswer, what: string): void {
  const csp = String(res.headers['content-security-policy']);
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).not.toMatch(/script-src[^;]*unsafe-inline/);
  expect(res.headers['x-frame-options'], what).toBe('DENY');
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.headers['referrer-policy'], what).toBe('no-referrer');
}

describe('security headers on every page and API answer', () => {
  it('hardens the web app, its files and its client-side routes', async () => {
    const asset = readdirSync(`${webDir}/assets`).find((f) => f.endsWith('.js'))!;
    for (const path of ['/', '/vms', '/vms/abc123', '/vms/abc123/metrics', '/images', `/assets/${asset}`]) {
      const res = await rawRequest(server.url, { method: 'GET', path });
      expect(res.status, path).toBe(200);
      expectHardened(res, path);
    }
    const index = await rawRequest(server.url, { method: 'GET', path: '/vms' });
    // The CSP allows no inline script: the built page must have none.
    expect(index.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('hardens API answers: success, refusal, not found, bad encoding and event streams', async () => {
    const cases: [string, { method: string; path: string; headers?: Record<string, string> }][] = [
      ['health', { method: 'GET', path: '/api/v1/health' }],
      ['a list', { method: 'GET', path: '/api/v1/vms', headers: auth }],
      ['a refusal', { method: 'GET', path: '/api/v1/vms' }],
      ['an unknown API path', { method: 'GET', path: '/api/v1/nothing' }],
      ['an unknown page', { method: 'GET', path: '/no-such-page' }],
      ['a bad encoding', { method: 'GET', path: '/api/v1/%E0%A4%A' }],
      ['an event stream', { method: 'GET', path: '/api/v1/events', headers: auth }],
      ['a metrics stream', { method: 'GET', path: '/api/v1/metrics/stream', headers: auth }],
    ];
    for (const [what, req] of cases) expectHardened(await rawRequest(server.url, req), what);
  });

  it('hardens the answer to a request too malformed to parse, and closes it', async () => {
    const port = Number(new URL(server.url).port);
    for (const raw of [
      'FOO / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    ]) {
      const text = await new Promise<string>((resolve, reject) => {
        let got = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(raw));
        socket
          .setEncoding('utf8')
          .on('data', (c: string) => (got += c))
          .on('end', () => resolve(got))
          .on('error', reject);
      });
      expect(text, raw).toMatch(/^HTTP\/1\.1 400 /);
      expect(text).toMatch(/content-security-policy: [^\r]*frame-ancestors 'none'/i);
      expect(text).toMatch(/x-frame-options: DENY/i);
      expect(text).toMatch(/x-content-type-options: nosniff/i);
    }
  });

  it('answers only to its own host names, spelled as host names', async () => {
    for (const host of ['127.0.0.1/.evil.com', '0x7f.1', 'evil.example', '127.0.0.1:80:80', '127.0.0.1@evil.example']) {
      const res = await rawRequest(server.url, { method: 'GET', path: '/api/v1/health', headers: { host } });
      expect(res.status, host).toBe(403);
    }
    expect((await rawRequest(server.url, { method: 'GET', path: '/api/v1/health', headers: { host: 'LOCALHOST:1234' } })).status).toBe(200);
  });

  it('does not answer other spellings of API paths with the app shell', async () => {
    for (const path of ['/API/v1/vms', '/%61pi/v1/nothing', '/api/v1/vms/', '/metrics/', '/vms/../api/v1/vms']) {
      const res = await rawRequest(server.url, { method: 'GET', path });
      expect(res.status, path).not.toBe(200);
      expect(res.body, path).not.toMatch(/<html/i);
    }
  });
});
