import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StrataError } from '@strata/core';
import type { Db } from '../db/database.js';
import { safeEqual } from './passwords.js';
import { findSession, SESSION_COOKIE } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: { username: string; via: 'session' | 'token' };
  }
  interface FastifyContextConfig {
    /** Routes are private unless their own definition says 'public'. */
    access?: 'public';
    /** The least role a signed-in caller needs for this route: viewer < operator < admin. */
    role?: 'viewer' | 'operator' | 'admin';
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

function authenticate(req: FastifyRequest, options: GuardOptions): void {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const token = /^Bearer (.+)$/i.exec(auth)?.[1];
    if (token && options.apiToken && safeEqual(token, options.apiToken)) {
      req.user = { username: 'admin', via: 'token' };
      return;
    }
    throw new StrataError('unauthorized', 'bad_token', 'the bearer token is not valid');
  }
  const cookie = req.cookies[SESSION_COOKIE];
  const session = cookie ? findSession(options.db, cookie) : undefined;
  if (!session) throw new StrataError('unauthorized', 'login_required', 'log in first');
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !safeEqual(sent, session.csrf)) {
      throw new StrataError('forbidden', 'csrf', 'missing or wrong x-csrf-token header');
    }
  }
  req.user = { username: session.username, via: 'session' };
}

/**
 * One check for every request — HTTP, SSE and WebSocket upgrades alike, since all of them pass
 * through the router first: the Host header must name this server (DNS rebinding), the request
 * must not come from another site, and unless the matched route is public it needs the bearer
 * token or a session (plus the CSRF header on anything but a read).
 */
export function registerGuard(app: FastifyInstance, options: GuardOptions): void {
  const allowed = new Set(['127.0.0.1', 'localhost', '::1', ...options.allowedHostnames.map((h) => h.toLowerCase())]);
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
    authenticate(req, options);
  });
}
