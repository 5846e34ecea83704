import type { FastifyInstance, FastifyRequest } from 'fastify';
import { roleAtLeast, type RoleName } from '@strata/contract/roles';
import { StrataError } from '@strata/core';
import type { Db } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { safeEqual } from './passwords.js';
import { findSession, SESSION_COOKIE, sessionHash } from './sessions.js';
import { findTokenHolder, TOKEN_USE_INTERVAL_MS } from './tokens.js';
import { findUserByName } from './users.js';

export interface Caller {
  /** null for the server's own STRATA_API_TOKEN, which belongs to no user row. */
  id: string | null;
  username: string;
  role: RoleName;
  via: 'session' | 'token' | 'env-token';
  /** The hash of the session cookie, so a password change can keep this session. */
  session?: string;
  /**
   * The role this caller holds now, or null once its session, token or user is gone or disabled:
   * for connections that outlive the request that opened them (a console typing for minutes).
   */
  current(): RoleName | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: Caller;
  }
  interface FastifyContextConfig {
    /** Routes are private unless their own definition says 'public'. */
    access?: 'public';
    /** The least role a signed-in caller needs for this route: viewer < operator < admin. */
    role?: 'viewer' | 'operator' | 'admin';
    /** The action's name in the audit log when the route pattern says it badly; false: the route records itself. */
    audit?: string | false;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface GuardOptions {
  db: Db;
  apiToken: string | null;
  allowedHostnames: string[];
}

/** A Host header is a name or an address, and a port: anything else names no host of ours. */
const hostnameOf = (hostHeader: string): string => {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::\d{1,5})?$/.exec(hostHeader);
  return (m?.[1] ?? m?.[2] ?? '').toLowerCase();
};

/**
 * Browsers send Origin on cross-site requests and on every WebSocket, and Sec-Fetch-Site on every
 * request: whatever the method, a request a foreign page made is refused, so no cookie-borne
 * request (a "simple" bodyless POST, an SSE stream, a WebSocket) works from another site.
 */
function assertSameOrigin(req: FastifyRequest): void {
  const fetchSite = req.headers['sec-fetch-site'];
  // A link followed from another site is a plain navigation: it carries no SameSite=Strict cookie.
  const navigation = req.method === 'GET' && req.headers['sec-fetch-mode'] === 'navigate';
  if ((fetchSite === 'cross-site' || fetchSite === 'same-site') && !navigation) {
    throw new StrataError('forbidden', 'bad_origin', 'cross-site requests are not accepted');
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host = '';
  try {
    host = new URL(origin).host;
  } catch {
    // an unparsable Origin ("null") is refused below
  }
  if (host === '' || host !== req.headers.host)
    throw new StrataError('forbidden', 'bad_origin', `requests from origin ${origin} are not accepted`);
}

/** What the router matched decides: a request to no route reaches only the not-found handler. */
const isPublic = (req: FastifyRequest): boolean => req.is404 || req.routeOptions.config?.access === 'public';

/** The STRATA_API_TOKEN of the server's configuration: an admin that is no user row. */
const ENV_CALLER: Caller = { id: null, username: 'admin', role: 'admin', via: 'env-token', current: () => 'admin' };

function authenticate(req: FastifyRequest, options: GuardOptions, noteEnvTokenUse: () => boolean): Caller {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const token = /^Bearer (.+)$/i.exec(auth)?.[1];
    if (token && options.apiToken && safeEqual(token, options.apiToken)) {
      if (noteEnvTokenUse()) tokenUsed(req, options.db, ENV_CALLER, null, 'STRATA_API_TOKEN');
      return ENV_CALLER;
    }
    const holder = token ? findTokenHolder(options.db, token) : undefined;
    if (!holder) throw new StrataError('unauthorized', 'bad_token', 'the bearer token is not valid');
    const caller: Caller = {
      id: holder.user.id,
      username: holder.user.username,
      role: holder.user.role,
      via: 'token',
      current: () => findTokenHolder(options.db, token!, Date.now(), false)?.user.role ?? null,
    };
    if (holder.noteworthy) tokenUsed(req, options.db, caller, holder.tokenId, holder.tokenName);
    return caller;
  }
  const cookie = req.cookies[SESSION_COOKIE];
  const session = cookie ? findSession(options.db, cookie) : undefined;
  // A session outlives neither its user nor the user's being disabled.
  const user = session ? findUserByName(options.db, session.username) : undefined;
  if (!session || !user || user.disabled) throw new StrataError('unauthorized', 'login_required', 'log in first');
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !safeEqual(sent, session.csrf)) {
      throw new StrataError('forbidden', 'csrf', 'missing or wrong x-csrf-token header');
    }
  }
  const current = () => {
    const now = findSession(options.db, cookie!) && findUserByName(options.db, user.username);
    return now && !now.disabled ? now.role : null;
  };
  return { id: user.id, username: user.username, role: user.role, via: 'session', session: sessionHash(cookie!), current };
}

/** Written at most once a minute per token: enough to see who uses which, without a row per request. */
function tokenUsed(req: FastifyRequest, db: Db, caller: Caller, tokenId: string | null, name: string): void {
  recordAudit(db, {
    action: 'token.use',
    user: caller.username,
    via: caller.via,
    address: req.ip,
    method: req.method,
    route: req.routeOptions.url ?? null,
    targetKind: 'token',
    targetId: tokenId,
    parameters: { name },
  });
}

function authorize(req: FastifyRequest, caller: Caller): void {
  const needed = req.routeOptions.config?.role;
  // route-table.ts refuses to start with a private route that declares no role; this is the backstop.
  if (!needed) throw new StrataError('forbidden', 'role_required', 'this route declares no role, so no one may use it');
  if (!roleAtLeast(caller.role, needed)) {
    throw new StrataError(
      'forbidden',
      'role_required',
      `this needs the ${needed} role; ${caller.username} is a${caller.role === 'admin' || caller.role === 'operator' ? 'n' : ''} ${caller.role}`,
    );
  }
}

/**
 * For a request whose work outlives its start (an upload that took hours): the caller as it stands
 * now, judged against the route's role as the guard judged it on arrival.
 */
export function reauthorize(req: FastifyRequest): void {
  const now = req.user?.current() ?? null;
  if (!req.user || now === null)
    throw new StrataError('unauthorized', 'credentials_ended', 'your session or token ended before this request finished');
  authorize(req, { ...req.user, role: now });
}

/**
 * One check for every request — HTTP, SSE and WebSocket upgrades alike, since all of them pass
 * through the router first: the Host header must name this server (DNS rebinding), the request
 * must not come from another site, and unless the matched route is public it needs the bearer
 * token or a session (plus the CSRF header on anything but a read), of a user whose role is at
 * least the one the matched route declares.
 */
export function registerGuard(app: FastifyInstance, options: GuardOptions): void {
  const allowed = new Set(['127.0.0.1', 'localhost', '::1', ...options.allowedHostnames.map((h) => h.toLowerCase())]);
  let envTokenNoted = 0;
  const noteEnvTokenUse = () => {
    if (Date.now() - envTokenNoted < TOKEN_USE_INTERVAL_MS) return false;
    envTokenNoted = Date.now();
    return true;
  };
  app.addHook('onRequest', async (req) => {
    const hostname = hostnameOf(req.headers.host ?? '');
    if (!allowed.has(hostname)) {
      throw new StrataError(
        'forbidden',
        'bad_host',
        `this server does not answer to host '${req.headers.host ?? ''}'; set STRATA_ALLOWED_HOSTS`,
      );
    }
    assertSameOrigin(req);
    if (isPublic(req)) return;
    req.user = authenticate(req, options, noteEnvTokenUse);
    authorize(req, req.user);
  });
}
