import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiToken, AuditPage, User } from '@strata/contract';
import { TOKEN, auth, startServer, type TestServer } from './harness.js';
import { bearer, loginAs, makeUser, passwordOf, tokenFor } from './users-client.js';
import { collectSse } from './events-client.js';
import { STREAMS_PER_USER } from '../src/auth/stream-budget.js';

/** Users, roles and tokens through the real API, on a real database. */
let server: TestServer;
const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
  server.app.inject({ method, url: `/api/v1${url}`, headers, payload });
const adminId = async () => (await call('GET', '/users', auth)).json<User[]>().find((u) => u.username === 'admin')!.id;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

describe('users and roles', () => {
  it('tells each caller its role: the configured token is an admin, a session its user', async () => {
    const env = await call('GET', '/auth/session', auth);
    expect(env.json()).toEqual({ username: 'admin', role: 'admin', csrfToken: '' });
    await makeUser(server, 'vera', 'viewer');
    await makeUser(server, 'otto', 'operator');
    for (const [name, role] of [
      ['vera', 'viewer'],
      ['otto', 'operator'],
      ['admin', 'admin'],
    ] as const) {
      const login = await loginAs(server, name, name === 'admin' ? 'test-password' : passwordOf(name));
      const session = await call('GET', '/auth/session', login.read);
      expect(session.json()).toEqual({ username: name, role, csrfToken: login.csrf });
    }
  });

  it('creates users, refusing bad input with the field and the reason', async () => {
    const refused = async (payload: object, status: number, field: string, message: RegExp) => {
      const res = await call('POST', '/users', auth, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().field).toBe(field);
      expect(res.json().message).toMatch(message);
    };
    await refused({ username: 'vera', password: 'long-enough', role: 'viewer' }, 409, 'body.username', /exists already/);
    await refused({ username: 'Bad Name', password: 'long-enough', role: 'viewer' }, 400, 'body.username', /lower-case letters/);
    await refused({ username: 'shorty', password: 'short', role: 'viewer' }, 400, 'body.password', /at least 8 characters/);
    await refused({ username: 'rooty', password: 'long-enough', role: 'root' }, 400, 'body.role', /./);
    await refused({ username: 'extra', password: 'long-enough', role: 'viewer', admin: true }, 400, 'body.admin', /not a known field/);
    const list = (await call('GET', '/users', auth)).json<User[]>();
    expect(list.map((u) => `${u.username}:${u.role}`)).toEqual(expect.arrayContaining(['admin:admin', 'vera:viewer', 'otto:operator']));
    expect(JSON.stringify(list)).not.toMatch(/password|scrypt/);
    const vera = list.find((u) => u.username === 'vera')!;
    expect((await call('GET', `/users/${vera.id}`, auth)).json()).toEqual(vera);
    expect((await call('GET', '/users/nobody0', auth)).statusCode).toBe(404);
    const empty = await call('PATCH', `/users/${vera.id}`, auth, {});
    expect(empty.statusCode).toBe(400);
  });

  it('never demotes, disables or deletes the last admin', async () => {
    const admin = await adminId();
    for (const [method, payload] of [
      ['PATCH', { role: 'operator' }],
      ['PATCH', { disabled: true }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(method, `/users/${admin}`, auth, payload);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'last_admin', message: expect.stringMatching(/last admin: make another admin/) });
    }
    const ada = await makeUser(server, 'ada', 'admin');
    expect((await call('PATCH', `/users/${admin}`, auth, { role: 'operator' })).json().role).toBe('operator');
    // ada is now the last: the same refusals hold for her, and the configured token still acts as an admin.
    expect((await call('DELETE', `/users/${ada.id}`, auth)).statusCode).toBe(409);
    expect((await call('PATCH', `/users/${ada.id}`, auth, { disabled: true })).statusCode).toBe(409);
    expect((await call('GET', '/users', auth)).statusCode).toBe(200);
    expect((await call('PATCH', `/users/${admin}`, auth, { role: 'admin' })).json().role).toBe('admin');
    expect((await call('DELETE', `/users/${ada.id}`, auth)).statusCode).toBe(204);
  });

  it('lets a viewer read but not change, and says which role a refusal needs', async () => {
    const vera = await loginAs(server, 'vera');
    expect((await call('GET', '/vms', vera.read)).statusCode).toBe(200);
    expect((await call('GET', '/audit', vera.read)).statusCode).toBe(200);
    const create = await call('POST', '/vms', vera.write, { name: 'from-a-viewer', memoryMiB: 128 });
    expect(create.statusCode).toBe(403);
    expect(create.json()).toEqual({ code: 'role_required', message: 'this needs the operator role; vera is a viewer' });
    const users = await call('GET', '/users', vera.read);
    expect(users.statusCode).toBe(403);
    expect(users.json().message).toBe('this needs the admin role; vera is a viewer');
    expect((await call('GET', '/vms', auth)).json()).toEqual([]);

    const otto = await loginAs(server, 'otto');
    const made = await call('POST', '/vms', otto.write, { name: 'from-an-operator', memoryMiB: 128 });
    expect(made.statusCode).toBe(201);
    expect((await call('POST', '/users', otto.write, { username: 'x1', password: 'long-enough', role: 'admin' })).json().message).toBe(
      'this needs the admin role; otto is an operator',
    );
    expect((await call('DELETE', `/vms/${made.json().id}`, otto.write)).statusCode).toBe(204);
  });

  it('shows a token once, stores only its hash, lets it act with its user’s role, and stops it when revoked', async () => {
    const otto = (await call('GET', '/users', auth)).json<User[]>().find((u) => u.username === 'otto')!;
    const created = await tokenFor(server, otto.id, 'ci runner');
    expect(created.token).toMatch(/^strata_[A-Za-z0-9_-]{40,}$/);
    const listed = (await call('GET', `/users/${otto.id}/tokens`, auth)).json<ApiToken[]>();
    expect(listed).toEqual([{ id: created.id, name: 'ci runner', createdAt: created.createdAt, lastUsedAt: null }]);

    expect((await call('GET', '/vms', bearer(created.token))).statusCode).toBe(200);
    const denied = await call('POST', '/users', bearer(created.token), { username: 'x2', password: 'long-enough', role: 'admin' });
    expect(denied.json()).toEqual({ code: 'role_required', message: 'this needs the admin role; otto is an operator' });
    const used = (await call('GET', `/users/${otto.id}/tokens`, auth)).json<ApiToken[]>();
    expect(Date.parse(used[0]!.lastUsedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect((await call('GET', '/users', auth)).json<User[]>().find((u) => u.id === otto.id)!.tokenCount).toBe(1);

    // Neither the database nor its write-ahead log holds the secret.
    const db = new Database(`${server.dataDir}/strata.db`, { readonly: true });
    const row = db.prepare('SELECT token_hash FROM api_tokens WHERE id = ?').get(created.id) as { token_hash: string };
    db.close();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    for (const file of ['strata.db', 'strata.db-wal']) {
      expect(readFileSync(`${server.dataDir}/${file}`).includes(created.token), file).toBe(false);
    }

    const vera = (await call('GET', '/users', auth)).json<User[]>().find((u) => u.username === 'vera')!;
    expect((await call('DELETE', `/users/${vera.id}/tokens/${created.id}`, auth)).statusCode).toBe(404);
    expect((await call('DELETE', `/users/${otto.id}/tokens/${created.id}`, auth)).statusCode).toBe(204);
    const replay = await call('GET', '/vms', bearer(created.token));
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('bad_token');
    expect((await call('DELETE', `/users/${otto.id}/tokens/${created.id}`, auth)).statusCode).toBe(404);
    expect((await call('GET', '/vms', bearer(TOKEN))).statusCode).toBe(200);
  });

  it('shuts a disabled user out at once, sessions and tokens alike, and lets its tokens back in when enabled', async () => {
    const dora = await makeUser(server, 'dora', 'operator');
    const session = await loginAs(server, 'dora');
    const { token } = await tokenFor(server, dora.id);
    const disabled = await call('PATCH', `/users/${dora.id}`, auth, { disabled: true });
    expect(disabled.json()).toMatchObject({ disabled: true });
    expect((await call('GET', '/vms', session.read)).statusCode).toBe(401);
    expect((await call('GET', '/vms', bearer(token))).statusCode).toBe(401);
    const login = await call('POST', '/auth/login', {}, { username: 'dora', password: passwordOf('dora') });
    expect(login.statusCode).toBe(401);
    expect(login.json().code).toBe('bad_credentials');
    await call('PATCH', `/users/${dora.id}`, auth, { disabled: false });
    expect((await call('GET', '/vms', bearer(token))).statusCode).toBe(200);
    expect((await call('GET', '/vms', session.read)).statusCode).toBe(401);
  });

  it('ends a user’s other sessions when its password changes, and everything when it is deleted', async () => {
    const paul = await makeUser(server, 'paul', 'admin');
    const [kept, other] = [await loginAs(server, 'paul'), await loginAs(server, 'paul')];
    const changed = await call('PATCH', `/users/${paul.id}`, kept.write, { password: 'a-brand-new-one' });
    expect(changed.statusCode).toBe(200);
    expect((await call('GET', '/vms', kept.read)).statusCode).toBe(200);
    expect((await call('GET', '/vms', other.read)).statusCode).toBe(401);
    expect((await call('POST', '/auth/login', {}, { username: 'paul', password: passwordOf('paul') })).statusCode).toBe(401);
    expect((await call('POST', '/auth/login', {}, { username: 'paul', password: 'a-brand-new-one' })).statusCode).toBe(200);

    // Changed by someone else, every session of the user ends. Its tokens outlive a plain reset (as in other tools)...
    const vera = (await call('GET', '/users', auth)).json<User[]>().find((u) => u.username === 'vera')!;
    const veraSession = await loginAs(server, 'vera');
    const veraTokens = [(await tokenFor(server, vera.id, 'ci')).token, (await tokenFor(server, vera.id, 'laptop')).token];
    await call('PATCH', `/users/${vera.id}`, kept.write, { password: 'vera-has-a-new-one' });
    expect((await call('GET', '/vms', veraSession.read)).statusCode).toBe(401);
    for (const token of veraTokens) expect((await call('GET', '/vms', bearer(token))).statusCode).toBe(200);
    // ...and end with it when the admin says so, in the same step; another user's token is untouched.
    const paulToken = (await tokenFor(server, paul.id, 'own')).token;
    const reset = await call('PATCH', `/users/${vera.id}`, kept.write, { password: 'vera-has-a-third', revokeTokens: true });
    expect(reset.statusCode).toBe(200);
    expect(reset.json<User>().tokenCount).toBe(0);
    for (const token of veraTokens) expect((await call('GET', '/vms', bearer(token))).statusCode).toBe(401);
    expect((await call('GET', `/users/${vera.id}/tokens`, auth)).json()).toEqual([]);
    expect((await call('GET', '/vms', bearer(paulToken))).statusCode).toBe(200);
    // The activity log says tokens went, and how many; the password never reaches it.
    const logged = (await call('GET', `/audit?action=user.update&target=${vera.id}&limit=1`, auth)).json<AuditPage>().entries[0]!;
    expect(logged.parameters).toEqual({ password: '[removed]', revokeTokens: true, revokedCount: 2 });
    expect(JSON.stringify(logged)).not.toContain('vera-has-a-third');
    const notBoolean = await call('PATCH', `/users/${vera.id}`, kept.write, { revokeTokens: 'yes' });
    expect(notBoolean.statusCode).toBe(400);
    expect(notBoolean.json().field).toBe('body.revokeTokens');

    const dan = await makeUser(server, 'dan', 'viewer');
    const danSession = await loginAs(server, 'dan');
    const { token } = await tokenFor(server, dan.id);
    expect((await call('DELETE', `/users/${dan.id}`, kept.write)).statusCode).toBe(204);
    expect((await call('GET', '/vms', danSession.read)).statusCode).toBe(401);
    expect((await call('GET', '/vms', bearer(token))).statusCode).toBe(401);
    expect((await call('GET', `/users/${dan.id}`, auth)).statusCode).toBe(404);
    expect((await call('POST', '/auth/login', {}, { username: 'dan', password: passwordOf('dan') })).statusCode).toBe(401);
  });

  it('ends an open event or metrics stream at once when its token is revoked or its session signs out', async () => {
    const sara = await makeUser(server, 'sara', 'viewer');
    const { id: tokenId, token } = await tokenFor(server, sara.id);
    const session = await loginAs(server, 'sara');
    const streams = {
      token: collectSse(`${server.url}/api/v1/events`, bearer(token)),
      tokenMetrics: collectSse(`${server.url}/api/v1/metrics/stream?host=true`, bearer(token)),
      session: collectSse(`${server.url}/api/v1/events`, session.read),
    };
    await Promise.all(Object.values(streams).map((s) => s.ready));
    const ended = (s: { ended: Promise<void> }) =>
      Promise.race([s.ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);

    expect((await call('DELETE', `/users/${sara.id}/tokens/${tokenId}`, auth)).statusCode).toBe(204);
    expect(await ended(streams.token)).toBe(true);
    expect(await ended(streams.tokenMetrics)).toBe(true);
    // The session is not the token: its stream goes on until it signs out.
    expect(await ended(streams.session)).toBe(false);
    expect((await call('POST', '/auth/logout', session.write)).statusCode).toBe(204);
    expect(await ended(streams.session)).toBe(true);
  });

  it('holds each user to a bounded number of open streams, and a sign-out with a token ends no session', async () => {
    const nina = await makeUser(server, 'nina', 'viewer');
    const { token } = await tokenFor(server, nina.id);
    const session = await loginAs(server, 'nina');
    const held = [];
    for (let i = 0; i < STREAMS_PER_USER; i++) {
      const stream = collectSse(
        `${server.url}/api/v1/${i % 2 ? 'events' : 'metrics/stream?host=false'}`,
        i % 3 ? bearer(token) : session.read,
      );
      await stream.ready;
      held.push(stream);
    }
    // One more, by token or by session, on either stream: refused before anything is sent.
    for (const [path, headers] of [
      ['/events', bearer(token)],
      ['/metrics/stream', session.read],
    ] as const) {
      const refused = await call('GET', path, headers);
      expect(refused.statusCode, path).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'too_many_streams', message: expect.stringMatching(/nina has 32 streams/) });
    }
    // A HEAD is no stream: it neither waits nor takes a place.
    expect((await call('HEAD' as 'GET', '/events', bearer(token))).statusCode).toBe(404);
    // Another user is not held to nina's count.
    expect((await call('GET', '/vms', auth)).statusCode).toBe(200);
    const other = collectSse(`${server.url}/api/v1/events`);
    await other.ready;
    other.close();

    // A sign-out by a token holder carrying someone's cookie ends nothing: the session still works.
    expect((await call('POST', '/auth/logout', { ...bearer(token), cookie: session.cookie })).statusCode).toBe(204);
    expect((await call('GET', '/vms', session.read)).statusCode).toBe(200);

    // A stream closed gives its place back.
    held.pop()!.close();
    await expect
      .poll(async () => {
        const again = collectSse(`${server.url}/api/v1/events`, bearer(token));
        const ok = await Promise.race([again.ready.then(() => true), again.ended.then(() => false)]);
        again.close();
        return ok;
      })
      .toBe(true);
    for (const stream of held) stream.close();
  });

  it('keeps users, roles and tokens across a restart', async () => {
    const before = (await call('GET', '/users', auth)).json<User[]>();
    await server.restart();
    const after = (await call('GET', '/users', auth)).json<User[]>();
    expect(after.map(({ lastLoginAt: _, ...u }) => u)).toEqual(before.map(({ lastLoginAt: _, ...u }) => u));
    expect((await loginAs(server, 'otto')).csrf).not.toBe('');
  });
});
