import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LoginBody, Session, commonErrors } from '@strata/contract';
import { StrataError } from '@strata/core';
import type { Db } from '../db/database.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { createSession, deleteSession, findSession, SESSION_COOKIE } from '../auth/sessions.js';
import { checkCredentials, findUserByName } from '../auth/users.js';
import { recordAudit } from '../audit/audit-log.js';

/** What a failed login records instead of a user name that names no user. */
export const UNKNOWN_USER = '(unknown user)';

const cookieOptions = { httpOnly: true, sameSite: 'strict' as const, path: '/' };

export const authRoutes: FastifyPluginAsyncTypebox<{ db: Db; throttle: LoginThrottle }> = async (app, { db, throttle }) => {
  app.post(
    '/auth/login',
    {
      // Recorded here rather than by the audit hook: a failed login has no signed-in user.
      config: { access: 'public', audit: false },
      schema: { tags: ['auth'], body: LoginBody, response: { 200: Session, ...commonErrors, 429: commonErrors[400] } },
    },
    async (req, reply) => {
      const username = req.body.username ?? 'admin';
      const waitMs = throttle.waitMs(req.ip, username);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        req.log.warn({ ip: req.ip, user: username }, 'login refused: too many failed logins');
        reply.header('retry-after', String(seconds));
        return reply.code(429).send({ code: 'rate_limited', message: `too many failed logins; try again in ${seconds} s` });
      }
      const user = checkCredentials(db, username, req.body.password);
      const audit = { address: req.ip, method: req.method, route: req.routeOptions.url ?? null, targetKind: 'user' };
      if (!user) {
        throttle.fail(req.ip, username);
        req.log.warn({ ip: req.ip, user: username }, 'login failed');
        // Only the log says a disabled account was tried; the answer is the same as for a wrong password.
        const known = findUserByName(db, username);
        const errorCode = known?.disabled ? 'user_disabled' : 'bad_credentials';
        // A name that is no user's may be a password typed into the wrong field: it is not kept.
        const tried = known ? known.username : UNKNOWN_USER;
        recordAudit(db, { ...audit, action: 'login.failed', parameters: { username: tried }, status: 401, errorCode });
        throw new StrataError('unauthorized', 'bad_credentials', 'wrong user name or password');
      }
      throttle.succeed(req.ip, username);
      req.log.info({ ip: req.ip, user: username }, 'login succeeded');
      const session = createSession(db, username);
      recordAudit(db, { ...audit, action: 'login', user: username, via: 'session', targetId: user.id, status: 200 });
      // Behind a TLS proxy (STRATA_TRUST_PROXY) the cookie is kept off plain HTTP.
      reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, secure: req.protocol === 'https', maxAge: session.maxAgeSeconds });
      return { username, role: user.role, csrfToken: session.csrf };
    },
  );

  app.get(
    '/auth/session',
    {
      config: { role: 'viewer' },
      schema: { tags: ['auth'], description: 'who is signed in, with which role', response: { 200: Session, ...commonErrors } },
    },
    async (req) => {
      const token = req.cookies[SESSION_COOKIE];
      const session = req.user?.via === 'session' && token ? findSession(db, token) : undefined;
      return { username: req.user!.username, role: req.user!.role, csrfToken: session?.csrf ?? '' };
    },
  );

  app.post(
    '/auth/logout',
    { config: { role: 'viewer', audit: 'logout' }, schema: { tags: ['auth'], response: { 204: Type.Null(), ...commonErrors } } },
    async (req, reply) => {
      // The session this caller signed in with; a token holder signing out has no session to end.
      const token = req.user?.via === 'session' ? req.cookies[SESSION_COOKIE] : undefined;
      if (token) deleteSession(db, token);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return reply.code(204).send(null);
    },
  );
};
