import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPage, Job, User, Vm } from '@strata/contract';
import { PASSWORD, TOKEN, auth, startServer, type TestServer } from './harness.js';
import { apiClient } from './api-client.js';
import { startAndOpen } from './fresh-boot.js';
import { ConsoleClient } from './console-client.js';
import { bearer, loginAs, makeUser, passwordOf, tokenFor, type Login } from './users-client.js';

/** The audit log through the real API, on a real database; one real VM for start, stop and the console. */
let server: TestServer;
let otto: Login;
let ottoUser: User;
const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, headers: Record<string, string>, payload?: object) =>
  server.app.inject({ method, url: `/api/v1${url}`, headers, payload });

const audit = async (query = '', headers: Record<string, string> = auth): Promise<AuditEntry[]> => {
  const res = await call('GET', `/audit${query}`, headers);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<AuditPage>().entries;
};
/** The newest entry with this action. */
const last = async (action: string) => (await audit(`?action=${action}&limit=1`))[0]!;
const SECRETS = [PASSWORD, TOKEN, 'a-password-never-stored', 'another-never-stored'];

beforeAll(async () => {
  server = await startServer();
  ottoUser = await makeUser(server, 'otto', 'operator');
  await makeUser(server, 'vera', 'viewer');
  otto = await loginAs(server, 'otto');
});
afterAll(async () => {
  await server?.close();
});

describe('the audit log', () => {
  it('records VM and share changes with who, from where, what, on which target, with which parameters and outcome', async () => {
    const created = await call('POST', '/vms', otto.write, { name: 'audited', memoryMiB: 128 });
    expect(created.statusCode).toBe(201);
    const vm = created.json<Vm>();
    expect(await last('vm.create')).toMatchObject({
      user: 'otto',
      via: 'session',
      address: '127.0.0.1',
      method: 'POST',
      route: '/api/v1/vms',
      targetKind: 'vm',
      targetId: vm.id,
      routeParams: {},
      parameters: { name: 'audited', memoryMiB: 128 },
      status: 201,
      errorCode: null,
    });
    await call('PATCH', `/vms/${vm.id}`, otto.write, { memoryMiB: 160 });
    expect(await last('vm.update')).toMatchObject({
      targetId: vm.id,
      routeParams: { id: vm.id },
      parameters: { memoryMiB: 160 },
      status: 200,
    });

    const dir = `${server.config.shareRoots[0]}/audited`;
    mkdirSync(dir, { recursive: true });
    const share = (await call('POST', '/shares', otto.write, { name: 'audited-share', path: dir })).json<{ id: string }>();
    expect(await last('share.create')).toMatchObject({ targetKind: 'share', targetId: share.id, parameters: { path: dir }, status: 201 });
    await call('POST', `/vms/${vm.id}/shares`, otto.write, { shareId: share.id, tag: 'aud', transport: '9p' });
    expect(await last('share.attach')).toMatchObject({ targetKind: 'vm', targetId: vm.id, parameters: { shareId: share.id, tag: 'aud' } });
    await call('DELETE', `/vms/${vm.id}/shares/aud`, otto.write);
    expect(await last('share.detach')).toMatchObject({ targetId: vm.id, routeParams: { id: vm.id, tag: 'aud' }, status: 200 });
    await call('DELETE', `/shares/${share.id}`, otto.write);
    expect(await last('share.delete')).toMatchObject({ targetId: share.id, status: 204 });

    // Refusals are recorded with their outcome: a bad value, a viewer's attempt.
    await call('POST', '/vms', otto.write, { name: 'too-small', memoryMiB: 1 });
    expect(await last('vm.create')).toMatchObject({ status: 400, errorCode: 'invalid_input', targetId: null });
    const vera = await loginAs(server, 'vera');
    await call('DELETE', `/vms/${vm.id}`, vera.write);
    expect(await last('vm.delete')).toMatchObject({ user: 'vera', targetId: vm.id, status: 403, errorCode: 'role_required' });

    await call('DELETE', `/vms/${vm.id}`, otto.write);
    expect(await last('vm.delete')).toMatchObject({ user: 'otto', targetId: vm.id, status: 204 });
    // Reads are not changes.
    expect((await audit(`?target=${vm.id}`)).map((e) => e.method)).not.toContain('GET');
  });

  it('records logins, failed logins and each token’s use at most once a minute', async () => {
    const wrong = await call('POST', '/auth/login', {}, { username: 'otto', password: 'not-his-password' });
    expect(wrong.statusCode).toBe(401);
    expect(await last('login.failed')).toMatchObject({
      user: null,
      parameters: { username: 'otto' },
      status: 401,
      errorCode: 'bad_credentials',
    });
    // The answer is the same for a disabled account; only the log says which it was.
    const dis = await makeUser(server, 'dis', 'viewer');
    await call('PATCH', `/users/${dis.id}`, auth, { disabled: true });
    const refused = await call('POST', '/auth/login', {}, { username: 'dis', password: passwordOf('dis') });
    expect(refused.json()).toEqual(wrong.json());
    expect(await last('login.failed')).toMatchObject({ parameters: { username: 'dis' }, errorCode: 'user_disabled' });
    await loginAs(server, 'otto');
    expect(await last('login')).toMatchObject({ user: 'otto', via: 'session', targetKind: 'user', targetId: ottoUser.id, status: 200 });

    const { id, token } = await tokenFor(server, ottoUser.id, 'cron');
    for (let i = 0; i < 3; i++) expect((await call('GET', '/vms', bearer(token))).statusCode).toBe(200);
    await call('POST', '/vms', bearer(token), { name: 'by-token', memoryMiB: 1 });
    const uses = await audit(`?action=token.use&target=${id}`);
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({ user: 'otto', via: 'token', targetKind: 'token', parameters: { name: 'cron' }, route: '/api/v1/vms' });
    expect(await last('vm.create')).toMatchObject({ user: 'otto', via: 'token', status: 400 });

    // The configured token is noted too, once a minute at most.
    const env = (await audit('?action=token.use&limit=1000')).filter((e) => e.via === 'env-token').map((e) => Date.parse(e.at));
    expect(env.length).toBeGreaterThan(0);
    for (let i = 1; i < env.length; i++) expect(env[i - 1]! - env[i]!).toBeGreaterThanOrEqual(60_000);
  });

  it('records user and token changes, and never stores a password or a token', async () => {
    const made = await call('POST', '/users', auth, { username: 'nina', password: 'a-password-never-stored', role: 'viewer' });
    const nina = made.json<User>();
    expect(await last('user.create')).toMatchObject({
      user: 'admin',
      via: 'env-token',
      targetId: nina.id,
      parameters: { username: 'nina', role: 'viewer', password: '[removed]' },
    });
    await call('PATCH', `/users/${nina.id}`, auth, { password: 'another-never-stored', role: 'operator' });
    expect(await last('user.update')).toMatchObject({ targetId: nina.id, parameters: { password: '[removed]', role: 'operator' } });
    const token = await tokenFor(server, nina.id, 'laptop');
    expect(await last('token.create')).toMatchObject({
      targetKind: 'user',
      targetId: nina.id,
      parameters: { name: 'laptop' },
      status: 201,
    });
    await call('DELETE', `/users/${nina.id}/tokens/${token.id}`, auth);
    expect(await last('token.revoke')).toMatchObject({ routeParams: { id: nina.id, tokenId: token.id }, status: 204 });
    // A refused body is not stored at all, secrets or not (nested ones in a stored body are removed:
    // unit/audit-words.test.ts).
    const extra = await call('POST', '/vms', otto.write, {
      name: 'x',
      memoryMiB: 128,
      extra: { apiToken: token.token, clientSecret: 's', list: [{ password: 'p' }] },
    });
    expect(extra.statusCode).toBe(400);
    expect(await last('vm.create')).toMatchObject({ status: 400, parameters: null });
    await call('DELETE', `/users/${nina.id}`, auth);
    expect(await last('user.delete')).toMatchObject({ targetId: nina.id, status: 204 });

    const everything = (await call('GET', '/audit/export', auth)).body;
    const stored = ['strata.db', 'strata.db-wal'].map((f) => readFileSync(`${server.dataDir}/${f}`));
    for (const secret of [...SECRETS, passwordOf('otto'), token.token]) {
      expect(everything.includes(secret), secret).toBe(false);
      for (const file of stored) expect(file.includes(secret), secret).toBe(false);
    }
  });

  it('lets every role read it, but only an admin sees the parameters of user and token changes', async () => {
    const vera = await loginAs(server, 'vera');
    const asViewer = await audit('?action=user.&limit=1000', vera.read);
    const asAdmin = await audit('?action=user.&limit=1000');
    expect(asViewer.map((e) => e.id)).toEqual(asAdmin.map((e) => e.id));
    expect(asAdmin.some((e) => e.parameters !== null)).toBe(true);
    expect(asViewer.every((e) => e.parameters === null)).toBe(true);
    const created = (await audit('?action=vm.create&limit=1000', vera.read)).find((e) => e.status === 201);
    expect(created!.parameters).not.toBeNull();
  });

  it('filters, pages and exports as JSON lines', async () => {
    expect((await audit('?action=vm.&limit=1000')).every((e) => e.action.startsWith('vm.'))).toBe(true);
    expect((await audit('?user=vera&limit=1000')).every((e) => e.user === 'vera')).toBe(true);
    const all = await audit('?limit=1000');
    const first = await call('GET', '/audit?limit=3', auth);
    const page = first.json<AuditPage>();
    expect(page.entries.map((e) => e.id)).toEqual(all.slice(0, 3).map((e) => e.id));
    const next = (await call('GET', `/audit?limit=3&before=${page.nextBefore}`, auth)).json<AuditPage>();
    expect(next.entries.map((e) => e.id)).toEqual(all.slice(3, 6).map((e) => e.id));
    const middle = all[Math.floor(all.length / 2)]!.at;
    const from = await audit(`?from=${encodeURIComponent(middle)}&limit=1000`);
    expect(from.every((e) => e.at >= middle) && from.length > 0 && from.length < all.length).toBe(true);
    expect((await audit(`?to=${encodeURIComponent(middle)}&limit=1000`)).length).toBe(all.length - from.length);
    const bad = await call('GET', '/audit?from=yesterday', auth);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('querystring.from');
    expect((await call('GET', '/audit?from=2026-02-31', auth)).json().field).toBe('querystring.from');

    const res = await call('GET', '/audit/export?action=vm.', auth);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="strata-audit-\d{4}-\d{2}-\d{2}\.ndjson"$/);
    const lines = res.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    const vmEntries = (await audit('?action=vm.&limit=1000')).reverse();
    expect(lines).toEqual(vmEntries);
  });

  it('cannot be changed through the API, nor in the database', async () => {
    const before = await audit('?limit=1000');
    const oldest = before[before.length - 1]!;
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      for (const url of ['/audit', `/audit/${oldest.id}`, '/audit/export']) {
        const res = await call(method, url, auth, { action: 'forged' });
        expect([404, 405], `${method} ${url}`).toContain(res.statusCode);
      }
    }
    const db = new Database(`${server.dataDir}/strata.db`);
    try {
      expect(() => db.prepare('UPDATE audit SET action = ? WHERE id = ?').run('forged', oldest.id)).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
    const after = await audit('?limit=1000');
    expect(after.slice(after.length - before.length)).toEqual(before);
  });

  it('records a real VM’s start and stop, and a viewer’s console only watches', async () => {
    const { waitForState } = apiClient(() => server);
    const vm = (await call('POST', '/vms', otto.write, { name: 'audited-boot', memoryMiB: 256 })).json<Vm>();
    const asOtto = async (method: 'POST', path: string) => ({ status: (await call(method, path, otto.write)).statusCode });
    const operator = await startAndOpen(server, asOtto, vm.id);
    expect(await last('vm.start')).toMatchObject({ user: 'otto', targetId: vm.id, status: 200 });

    const vera = (await call('GET', '/users', auth)).json<User[]>().find((u) => u.username === 'vera')!;
    const viewer = await ConsoleClient.open(server.url, vm.id, bearer((await tokenFor(server, vera.id)).token));
    viewer.send('echo VIEWER$((6*7))\r');
    // The operator's line runs after anything the viewer's would have: the guest reads one serial line in order.
    expect(await operator.run('echo OPERATOR$((6*7))')).toContain('OPERATOR42');
    await viewer.waitFor(/OPERATOR42/);
    expect(viewer.output).not.toContain('VIEWER42');
    expect(operator.output).not.toContain('VIEWER42');
    viewer.close();

    // A console already open follows its user's role: demoted, its input stops; revoked, it closes.
    const olga = await makeUser(server, 'olga', 'operator');
    const olgaToken = await tokenFor(server, olga.id);
    const demoted = await ConsoleClient.open(server.url, vm.id, bearer(olgaToken.token));
    expect(await demoted.run('echo OLGA$((6*7))')).toContain('OLGA42');
    await call('PATCH', `/users/${olga.id}`, auth, { role: 'viewer' });
    demoted.send('echo DEMOTED$((6*7))\r');
    await operator.run('echo AFTER$((6*7))');
    expect(operator.output).not.toContain('DEMOTED42');
    await call('DELETE', `/users/${olga.id}/tokens/${olgaToken.id}`, auth);
    demoted.send('\r');
    await demoted.waitFor(/console closed: the session ended/);

    // One that only watches is closed too, at once, before the next output can reach it.
    const wendy = await makeUser(server, 'wendy', 'viewer');
    const wendyToken = await tokenFor(server, wendy.id);
    const watcher = await ConsoleClient.open(server.url, vm.id, bearer(wendyToken.token));
    await operator.run('echo BEFORE$((6*7))');
    await watcher.waitFor(/BEFORE42/);
    const revokedAt = Date.now();
    expect((await call('DELETE', `/users/${wendy.id}/tokens/${wendyToken.id}`, auth)).statusCode).toBe(204);
    expect(await operator.run('echo MARKER$((6*7))')).toContain('MARKER42');
    while (!watcher.closed && Date.now() - revokedAt < 2000) await new Promise((r) => setTimeout(r, 20));
    expect(watcher.closed).toBe(true);
    expect(watcher.output).not.toContain('MARKER42');
    expect(watcher.output).toContain('console closed: the session ended');
    operator.close();

    await call('POST', `/vms/${vm.id}/stop`, otto.write);
    await waitForState(vm.id, 'stopped', 60_000);
    expect(await last('vm.stop')).toMatchObject({ user: 'otto', targetId: vm.id, status: 200 });
  });
});

describe('the audit log against abuse', () => {
  it('never stores an upload’s request: no bearer token, session cookie or CSRF token reaches any reader', async () => {
    const { token } = await tokenFor(server, ottoUser.id, 'uploader');
    const session = await loginAs(server, 'otto');
    const image = Buffer.alloc(1024 * 1024);
    const upload = (name: string, headers: Record<string, string>) =>
      fetch(`${server.url}/api/v1/images/upload?name=${name}&format=raw`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: image,
      });
    for (const [name, headers] of [
      ['up-token', bearer(token)],
      ['up-session', session.write],
    ] as const) {
      const res = await upload(name, headers);
      expect(res.status, await res.clone().text()).toBe(202);
      const job = (await res.json()) as Job;
      for (let state = job.state; state === 'queued' || state === 'running';) {
        await new Promise((r) => setTimeout(r, 100));
        state = (await call('GET', `/jobs/${job.id}`, auth)).json<Job>().state;
      }
    }
    const uploads = (await audit('?action=image.upload&limit=10')).reverse();
    expect(uploads.map((e) => e.parameters)).toEqual([
      { name: 'up-token', format: 'raw', size: image.length },
      { name: 'up-session', format: 'raw', size: image.length },
    ]);
    const vera = await loginAs(server, 'vera');
    const secrets = [token, session.cookie.split('=')[1]!, session.csrf];
    for (const headers of [auth, vera.read]) {
      for (const url of ['/audit?limit=1000', '/audit/export']) {
        const text = (await call('GET', url, headers)).body;
        for (const secret of secrets) expect(text.includes(secret), `${url} holds ${secret}`).toBe(false);
      }
    }
  });

  it('records a change whose client hung up before the answer, once, with the client’s address', async () => {
    const name = `ghost-${Date.now()}`;
    const body = JSON.stringify({ name, memoryMiB: 128 });
    const { port } = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /api/v1/vms HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${otto.cookie}\r\nX-CSRF-Token: ${otto.csrf}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        setImmediate(() => {
          socket.destroy();
          resolve();
        });
      });
      socket.on('error', reject);
    });
    const deadline = Date.now() + 30_000;
    const mine = async () =>
      (await audit('?action=vm.create&limit=1000')).filter((e) => (e.parameters as { name?: string } | null)?.name === name);
    let vm: Vm | undefined;
    while (!vm || (await mine()).length === 0) {
      expect(Date.now(), 'the VM and its audit entry').toBeLessThan(deadline);
      vm = (await call('GET', '/vms', auth)).json<Vm[]>().find((v) => v.name === name);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Another request round trip: a second entry for the same request would have been written by now.
    await call('GET', '/vms', auth);
    expect(await mine()).toEqual([
      expect.objectContaining({
        user: 'otto',
        address: '127.0.0.1',
        targetId: vm.id,
        status: null,
        errorCode: 'aborted_by_client',
      }),
    ]);
    await call('DELETE', `/vms/${vm.id}`, auth);
  });

  it('keeps no password typed as a user name, and shows failed logins’ parameters only to admins', async () => {
    const typedPassword = 'Hunter2-typed-in-the-wrong-field';
    expect((await call('POST', '/auth/login', {}, { username: typedPassword, password: 'x' })).statusCode).toBe(401);
    expect(await last('login.failed')).toMatchObject({ parameters: { username: '(unknown user)' }, errorCode: 'bad_credentials' });
    const vera = await loginAs(server, 'vera');
    expect((await audit('?action=login.failed&limit=1', vera.read))[0]!.parameters).toBeNull();
    for (const headers of [auth, vera.read]) expect((await call('GET', '/audit/export', headers)).body).not.toContain(typedPassword);
  });

  it('keeps no body of a refused request, and at most 30 refusals a minute per user, then one summary', async () => {
    const long = 'n'.repeat(16000);
    const refused = await call('POST', '/vms', otto.write, { name: long, memoryMiB: 128 });
    expect(refused.statusCode).toBe(400);
    expect(await last('vm.create')).toMatchObject({ user: 'otto', status: 400, parameters: null });

    await makeUser(server, 'flo', 'viewer');
    const flo = await loginAs(server, 'flo');
    for (let i = 0; i < 40; i++) expect((await call('DELETE', '/vms/aaaaaaaaaaaa', flo.write)).statusCode).toBe(403);
    expect(await audit('?user=flo&action=vm.delete&limit=1000')).toHaveLength(30);
    // The summary is written when the minute ends, or when the server stops.
    await server.restart();
    expect(await audit('?user=flo&action=requests.refused')).toEqual([
      expect.objectContaining({ parameters: { count: 10, summary: '10 more refused requests from flo in the last minute' } }),
    ]);
    expect(await audit('?user=flo&action=vm.delete&limit=1000')).toHaveLength(30);
  });
});
