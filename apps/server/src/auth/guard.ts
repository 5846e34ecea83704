import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StrataError } from '@strata/core';
import type { Db } from '../db/database.js';
import { safeEqual } from './passwords.js';
import { findSession, SESSION_COOKIE } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: { username: string; via: 'session' | 'token' };
  }
}

const PUBLIC = new Set(['/api/v1/health', '/api/v1/auth/login']);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface GuardOptions {
  db: Db;
  apiToken: string | null;
  allowedHostnames: string[];
}

const hostnameOf = (hostHeader: string): string => {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
};

/** Browsers send Origin on cross-site requests and on every WebSocket: it must be this very server. */
function assertSameOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (!origin) return;
  let host = '';
  try {
    host = new URL(origin).host;
  } catch {
    // an unparsable Origin ("null") is refused below
  }
  if (host !== req.headers.host) throw new StrataError('forbidden', 'bad_origin', `requests from origin ${origin} are not accepted`);
}

/**
 * Every request: the Host header must name this server (DNS rebinding). API requests: a session
 * cookie or the bearer token; cookie-borne mutations also need the CSRF header and a same Origin.
 */
export function registerGuard(app: FastifyInstance, options: GuardOptions): void {
  const allowed = new Set(['127.0.0.1', 'localhost', '::1', ...options.allowedHostnames]);
  app.addHook('onRequest', async (req) => {
    const hostname = hostnameOf(req.headers.host ?? '');
    if (!allowed.has(hostname)) {
      throw new StrataError('forbidden', 'bad_host', `this server does not answer to host '${req.headers.host ?? ''}'; set STRATA_ALLOWED_HOSTS`);
    }
    const path = req.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/') && path !== '/metrics') return;
    const isWebSocket = req.headers.upgrade?.toLowerCase() === 'websocket';
    if (PUBLIC.has(path)) {
      if (MUTATING.has(req.method)) assertSameOrigin(req);
      return;
    }
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      if (options.apiToken && safeEqual(auth.slice(7), options.apiToken)) {
        req.user = { username: 'admin', via: 'token' };
        return;
      }
      throw new StrataError('unauthorized', 'bad_token', 'the bearer token is not valid');
    }
    const token = req.cookies[SESSION_COOKIE];
    const session = token ? findSession(options.db, token) : undefined;
    if (!session) throw new StrataError('unauthorized', 'login_required', 'log in first');
    if (MUTATING.has(req.method) || isWebSocket) assertSameOrigin(req);
    if (MUTATING.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrf)) {
        throw new StrataError('forbidden', 'csrf', 'missing or wrong x-csrf-token header');
      }
    }
    req.user = { username: session.username, via: 'session' };
  });
}
