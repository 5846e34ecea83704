import type { CreatedToken, Role, User } from '@strata/contract';
import { auth, type TestServer } from './harness.js';

/** A signed-in browser: the session cookie and the CSRF token its mutations must carry. */
export interface Login {
  cookie: string;
  csrf: string;
  /** Headers for a read and for a mutation with this session. */
  read: Record<string, string>;
  write: Record<string, string>;
}

export const passwordOf = (username: string) => `password-of-${username}`;

/** Creates a user as the admin (the configured API token); fails the test on anything but 201. */
export async function makeUser(server: TestServer, username: string, role: Role): Promise<User> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: auth,
    payload: { username, role, password: passwordOf(username) },
  });
  if (res.statusCode !== 201) throw new Error(`creating ${username}: ${res.statusCode} ${res.body}`);
  return res.json<User>();
}

export async function loginAs(server: TestServer, username: string, password = passwordOf(username)): Promise<Login> {
  const res = await server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login as ${username}: ${res.statusCode} ${res.body}`);
  const value = res.cookies.find((c) => c.name === 'strata_session')!.value;
  const cookie = `strata_session=${value}`;
  const csrf = res.json<{ csrfToken: string }>().csrfToken;
  return { cookie, csrf, read: { cookie }, write: { cookie, 'x-csrf-token': csrf } };
}

export async function tokenFor(server: TestServer, userId: string, name = 'test'): Promise<CreatedToken> {
  const res = await server.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/tokens`, headers: auth, payload: { name } });
  if (res.statusCode !== 201) throw new Error(`token for ${userId}: ${res.statusCode} ${res.body}`);
  return res.json<CreatedToken>();
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
