import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, Vm } from '@strata/contract';
import { ROLES, roleAtLeast, type RoleName } from '@strata/contract/roles';
import { PASSWORD, TOKEN, auth, startServer, type TestServer } from './harness.js';
import { rawRequest, type RawAnswer } from './raw-http.js';
import { spellingsOf } from './spellings.js';
import { bearer, loginAs, makeUser, tokenFor, type Login } from './users-client.js';

/**
 * The attacker's view of the perimeter, generated from the server's own route table so that it
 * grows with the API: every route, without or with broken credentials and under many spellings,
 * must be refused (401/403/404/405) and must change nothing.
 */
let server: TestServer;
let ids: Record<string, string>;
/** A session and a token for one user of each role. */
let members: Record<RoleName, { login: Login; token: string }>;
/** Credentials that once worked: a revoked token, a disabled user's, a deleted user's. */
let dead: Record<string, Record<string, string>>;
const REFUSED = [401, 403, 404, 405];
type Case = [name: string, headers: Record<string, string>, applies: (method: string) => boolean];

const api = async <T>(method: string, url: string, payload?: object): Promise<T> => {
  const res = await server.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers: auth, payload });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return (res.body ? res.json() : undefined) as T;
};

/** Everything an unauthorised request could change, as one comparable value. */
const snapshot = async () => ({
  vms: (await api<Vm[]>('GET', '/vms')).map((v) => ({
    id: v.id,
    name: v.name,
    state: v.state,
    memoryMiB: v.memoryMiB,
    shares: v.shares.length,
    pinning: v.pinning,
  })),
  images: (await api<Image[]>('GET', '/images'))
    .map((i) => ({ id: i.id, name: i.name, parentId: i.parentId }))
    .sort((a, b) => a.id.localeCompare(b.id)),
  shares: (await api<{ id: string; name: string }[]>('GET', '/shares')).map((s) => ({ id: s.id, name: s.name })),
  jobs: (await api<unknown[]>('GET', '/jobs')).length,
});

async function login(): Promise<{ cookie: string; csrf: string }> {
  const res = await rawRequest(server.url, {
    method: 'POST',
    path: '/api/v1/auth/login',
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = String(res.headers['set-cookie']?.[0]).split(';')[0]!;
  return { cookie, csrf: (JSON.parse(res.body) as { csrfToken: string }).csrfToken };
}

/** A concrete path for a route: its parameters filled with things that exist, so a bypass would act. */
function concrete(url: string): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === 'id') {
      const kind = url.split('/')[3] ?? '';
      return ids[kind] ?? ids.vms!;
    }
    return ids[name] ?? 'x';
  });
}

const privateRoutes = () => server.app.routeTable.filter((r) => !r.public && r.method !== 'HEAD');
const hasBody = (method: string) => ['POST', 'PUT', 'PATCH'].includes(method);

function call(method: string, path: string, headers: Record<string, string>, websocket: boolean, body = '{}'): Promise<RawAnswer> {
  return rawRequest(server.url, { method, path, headers, websocket, ...(hasBody(method) && !websocket ? { body } : {}) });
}

/**
 * A path for a route whose parameters name nothing that exists: a request the guard lets through
 * reaches a 404 (or, with a body that is not JSON, a 400) and changes nothing.
 */
const harmless = (url: string) =>
  url.replace(/:(\w+)/g, (_m, name: string) => (name === 'device' ? 'ubd7' : name === 'tag' ? 'nothing' : 'nothing0'));

async function makeMembers(): Promise<void> {
  const entries = await Promise.all(
    ROLES.map(async (role) => {
      const user = await makeUser(server, `p-${role}`, role);
      return [role, { login: await loginAs(server, user.username), token: (await tokenFor(server, user.id)).token }] as const;
    }),
  );
  members = Object.fromEntries(entries) as typeof members;
  const holder = await makeUser(server, 'p-revoked', 'admin');
  const revoked = await tokenFor(server, holder.id);
  await server.app.inject({ method: 'DELETE', url: `/api/v1/users/${holder.id}/tokens/${revoked.id}`, headers: auth });
  const disabled = await makeUser(server, 'p-disabled', 'admin');
  const disabledLogin = await loginAs(server, disabled.username);
  const disabledToken = (await tokenFor(server, disabled.id)).token;
  await server.app.inject({ method: 'PATCH', url: `/api/v1/users/${disabled.id}`, headers: auth, payload: { disabled: true } });
  const deleted = await makeUser(server, 'p-deleted', 'admin');
  const deletedToken = (await tokenFor(server, deleted.id)).token;
  await server.app.inject({ method: 'DELETE', url: `/api/v1/users/${deleted.id}`, headers: auth });
  dead = {
    'a revoked token': bearer(revoked.token),
    "a disabled admin's token": bearer(disabledToken),
    "a disabled admin's session": disabledLogin.write,
    "a deleted admin's token": bearer(deletedToken),
  };
}

beforeAll(async () => {
  server = await startServer();
  const vm = await api<Vm>('POST', '/vms', { name: 'perimeter-target', memoryMiB: 128 });
  mkdirSync(`${server.config.shareRoots[0]}/p`, { recursive: true });
  const share = await api<{ id: string }>('POST', '/shares', { name: 'perimeter-share', path: `${server.config.shareRoots[0]}/p` });
  await api('POST', `/vms/${vm.id}/shares`, { shareId: share.id, tag: 'p', transport: '9p' });
  const image = vm.disks[0]!.imageId;
  const job = await api<{ id: string }>('POST', `/images/${image}/check`);
  ids = { vms: vm.id, images: image, shares: share.id, jobs: job.id, disk: vm.disks[0]!.id, tag: 'p', device: 'ubd1' };
  await makeMembers();
  const admin = (await api<{ id: string; username: string }[]>('GET', '/users')).find((u) => u.username === 'admin')!;
  const adminToken = (await api<{ id: string }[]>('GET', `/users/${admin.id}/tokens`))[0];
  ids = { ...ids, users: admin.id, tokenId: adminToken?.id ?? 'x' };
});
afterAll(async () => {
  await server?.close();
});

describe('the perimeter', () => {
  it('knows its routes, and only health, login and the web files are public', () => {
    const routes = server.app.routeTable;
    expect(routes.length).toBeGreaterThan(40);
    const open = routes.filter((r) => r.public).map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual(['GET /api/v1/health', 'HEAD /api/v1/health', 'POST /api/v1/auth/login']);
    expect(routes.some((r) => r.websocket)).toBe(true);
    expect(routes.some((r) => r.url === '/api/v1/events')).toBe(true);
  });

  it('refuses every private route without or with broken credentials, and nothing changes', async () => {
    const before = await snapshot();
    const { cookie, csrf } = await login();
    const stale = await login();
    await rawRequest(server.url, {
      method: 'POST',
      path: '/api/v1/auth/logout',
      headers: { cookie: stale.cookie, 'x-csrf-token': stale.csrf },
    });
    const host = new URL(server.url).host;
    const cases: Case[] = [
      ['no credentials', {}, () => true],
      ['a wrong token', { authorization: 'Bearer not-the-token' }, () => true],
      ['a token in another scheme', { authorization: `Basic ${TOKEN}` }, () => true],
      ['a logged-out session', { cookie: stale.cookie, 'x-csrf-token': stale.csrf }, () => true],
      ['a forged session', { cookie: 'strata_session=forged', 'x-csrf-token': 'forged' }, () => true],
      ['a session without the CSRF header', { cookie }, hasBody],
      ['a session with a wrong CSRF header', { cookie, 'x-csrf-token': 'nope' }, (m) => m !== 'GET'],
      ...Object.entries(dead).map(([name, headers]): Case => [name, headers, () => true]),
      ['a viewer session without the CSRF header', members.viewer.login.read, hasBody],
      ['a session from a foreign origin', { cookie, 'x-csrf-token': csrf, origin: 'http://evil.example' }, () => true],
      ['a session from a null origin', { cookie, 'x-csrf-token': csrf, origin: 'null' }, () => true],
      [
        'a session from a cross-site fetch',
        { cookie, 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
        () => true,
      ],
      ['the token with a foreign Host', { ...auth, host: 'evil.example' }, () => true],
      [
        'a session with a rebinding Host',
        { cookie, 'x-csrf-token': csrf, host: `evil.example:${host.split(':')[1]}`, origin: `http://evil.example:${host.split(':')[1]}` },
        () => true,
      ],
    ];
    const failures: string[] = [];
    let count = 0;
    for (const route of privateRoutes()) {
      const path = concrete(route.url);
      for (const [name, headers, applies] of cases) {
        if (!applies(route.method)) continue;
        const res = await call(route.method, path, headers, route.websocket);
        count++;
        if (!REFUSED.includes(res.status)) failures.push(`${route.method} ${path} with ${name}: ${res.status} ${res.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(400);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses every spelling of every private route without credentials, and nothing changes', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    let count = 0;
    for (const route of privateRoutes()) {
      for (const path of spellingsOf(concrete(route.url))) {
        const res = await call(route.method, path, {}, route.websocket);
        count++;
        if (!REFUSED.includes(res.status)) failures.push(`${route.method} ${path}: ${res.status} ${res.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(1500);
    expect(await snapshot()).toEqual(before);
  });

  it('lets the right credentials through, for HTTP, SSE and the console WebSocket', async () => {
    const { cookie, csrf } = await login();
    const origin = server.url;
    expect((await rawRequest(server.url, { method: 'GET', path: '/api/v1/vms', headers: { cookie } })).status).toBe(200);
    expect((await rawRequest(server.url, { method: 'GET', path: '/api/v1/events', headers: { cookie } })).status).toBe(200);
    expect((await rawRequest(server.url, { method: 'GET', path: '/metrics', headers: auth })).status).toBe(200);
    const ws = await rawRequest(server.url, {
      method: 'GET',
      path: `/api/v1/vms/${ids.vms}/console`,
      headers: { cookie, origin },
      websocket: true,
    });
    expect(ws.status).toBe(101);
    const patched = await rawRequest(server.url, {
      method: 'PATCH',
      path: `/api/v1/vms/${ids.vms}`,
      headers: { cookie, 'x-csrf-token': csrf, origin },
      body: JSON.stringify({ memoryMiB: 160 }),
    });
    expect(patched.status).toBe(200);
    expect((await api<Vm>('GET', `/vms/${ids.vms}`)).memoryMiB).toBe(160);
    await api('PATCH', `/vms/${ids.vms}`, { memoryMiB: 128 });
  });

  it('declares a role for every private route, and gives each role exactly those routes, by session and by token', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    let count = 0;
    for (const route of privateRoutes()) {
      if (route.role === null) {
        failures.push(`${route.method} ${route.url} declares no role`);
        continue;
      }
      if (route.method === 'DELETE') expect(route.url, 'a harmless DELETE needs a parameter to miss').toMatch(/:\w+/);
      const callers: [string, RoleName, Record<string, string>][] = [
        ...ROLES.flatMap((role): [string, RoleName, Record<string, string>][] => [
          [`a ${role} session`, role, { ...members[role].login.write, origin: server.url }],
          [`a ${role} token`, role, bearer(members[role].token)],
        ]),
        ['the configured token', 'admin', auth],
      ];
      for (const [name, role, headers] of callers) {
        count++;
        const what = `${route.method} ${route.url} by ${name}`;
        if (!roleAtLeast(role, route.role)) {
          // Aimed at things that exist, so a guard that let it through would change something.
          const res = await call(route.method, concrete(route.url), headers, route.websocket);
          const body = res.body ? (JSON.parse(res.body) as { code?: string; message?: string }) : {};
          if (res.status !== 403 || body.code !== 'role_required' || !body.message?.includes(`needs the ${route.role} role`)) {
            failures.push(`${what}: ${res.status} ${res.body.slice(0, 120)}`);
          }
        } else {
          const res = await call(route.method, harmless(route.url), headers, route.websocket, '{');
          if (res.status === 401 || res.status === 403) failures.push(`${what} was refused: ${res.status} ${res.body.slice(0, 120)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(300);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a viewer every spelling, method trick and override of the routes above its role, and nothing changes', async () => {
    const before = await snapshot();
    const viewer = [bearer(members.viewer.token), { ...members.viewer.login.write, origin: server.url }];
    const failures: string[] = [];
    let count = 0;
    const refused = async (method: string, path: string, headers: Record<string, string>, websocket = false) => {
      const res = await call(method, path, headers, websocket);
      count++;
      if (!REFUSED.includes(res.status)) failures.push(`${method} ${path}: ${res.status} ${res.body.slice(0, 120)}`);
    };
    for (const route of privateRoutes().filter((r) => r.role !== 'viewer')) {
      const path = concrete(route.url);
      for (const spelling of spellingsOf(path)) await refused(route.method, spelling, viewer[count % 2]!, route.websocket);
      // HEAD is a GET without the body: it must be held to the GET route's role.
      if (route.method === 'GET') await refused('HEAD', path, viewer[0]!);
      // Fastify honours no method-override header or parameter; a guard that read one would be fooled here.
      const overrides: Record<string, string>[] = [
        { 'x-http-method-override': route.method },
        { 'x-http-method': route.method },
        { 'x-method-override': route.method },
      ];
      for (const override of overrides) {
        for (const headers of viewer) await refused('POST', `${path}?_method=${route.method}`, { ...headers, ...override });
        // A GET with an override is still the GET (the viewer may read what is there), never the change.
        if (route.method !== 'GET') {
          const plain = await call('GET', path, viewer[0]!, false);
          const tricked = await call('GET', path, { ...viewer[0]!, ...override }, false);
          count += 2;
          if (tricked.status !== plain.status)
            failures.push(`GET-as-${route.method} ${path}: ${tricked.status}, plain GET ${plain.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(1000);
    expect(await snapshot()).toEqual(before);
    const users = await api<{ username: string; role: string }[]>('GET', '/users');
    expect(users.find((u) => u.username === 'p-viewer')?.role).toBe('viewer');
  });

  it('answers a bad URL encoding with 404 and no stack, and unknown paths with 404', async () => {
    for (const path of ['/api/v1/vms/%', '/api/v1/%E0%A4%A', '/%61pi/v1/nothing', '/API/v1/vms', '/api/v1/vms/x/%C0%AF']) {
      const res = await rawRequest(server.url, { method: 'GET', path });
      expect(res.status, path).toBe(404);
      expect(res.body).not.toMatch(/at \w+ \(/);
    }
  });
});
