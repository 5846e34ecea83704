import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LoginBody, Session, commonErrors } from '@strata/contract';
import { StrataError } from '@strata/core';
import type { Db } from '../db/database.js';
import { FailureLimiter } from '../auth/rate-limit.js';
import { createSession, deleteSession, findSession, SESSION_COOKIE } from '../auth/sessions.js';
import { checkCredentials } from '../auth/users.js';

const cookieOptions = { httpOnly: true, sameSite: 'strict' as const, path: '/' };

export const authRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const limiter = new FailureLimiter(5, 60_000);

  app.post('/auth/login', {
    schema: { tags: ['auth'], body: LoginBody, response: { 200: Session, ...commonErrors, 429: commonErrors[400] } },
  }, async (req, reply) => {
    const wait = limiter.retryAfter(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return reply.code(429).send({ code: 'rate_limited', message: `too many failed logins; try again in ${wait} s` });
    }
    const username = req.body.username ?? 'admin';
    if (!checkCredentials(db, username, req.body.password)) {
      limiter.fail(req.ip);
      throw new StrataError('unauthorized', 'bad_credentials', 'wrong user name or password');
    }
    limiter.reset(req.ip);
    const session = createSession(db, username);
    reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, maxAge: session.maxAgeSeconds });
    return { username, csrfToken: session.csrf };
  });

  app.get('/auth/session', { schema: { tags: ['auth'], response: { 200: Session, ...commonErrors } } }, async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    const session = token ? findSession(db, token) : undefined;
    return { username: req.user?.username ?? 'admin', csrfToken: session?.csrf ?? '' };
  });

  app.post('/auth/logout', { schema: { tags: ['auth'], response: { 204: Type.Null(), ...commonErrors } } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) deleteSession(db, token);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.code(204).send(null);
  });
};
