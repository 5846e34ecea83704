import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ApiToken,
  CreatedToken,
  CreateTokenBody,
  CreateUserBody,
  IdParams,
  UpdateUserBody,
  User,
  UserTokenParams,
  commonErrors,
} from '@strata/contract';
import type { Db } from '../db/database.js';
import { createUser, deleteUser, getUser, listUsers, updateUser } from '../auth/users.js';
import { createToken, listTokens, revokeToken } from '../auth/tokens.js';
import { REMOVED } from '../audit/audit-log.js';

/** Users and their API tokens: the admin's alone. */
export const userRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const tags = ['users'];
  const admin = { role: 'admin' } as const;

  app.get('/users', { config: admin, schema: { tags, response: { 200: Type.Array(User), ...commonErrors } } }, () => listUsers(db));

  app.post(
    '/users',
    { config: admin, schema: { tags, body: CreateUserBody, response: { 201: User, ...commonErrors } } },
    async (req, reply) => reply.code(201).send(createUser(db, req.body)),
  );

  app.get('/users/:id', { config: admin, schema: { tags, params: IdParams, response: { 200: User, ...commonErrors } } }, (req) =>
    getUser(db, req.params.id),
  );

  app.patch(
    '/users/:id',
    {
      config: admin,
      schema: {
        tags,
        description:
          'role, password, disabled, revokeTokens; a new password ends the user’s other sessions, disabling ends all of them, revokeTokens revokes every API token of the user',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, ...commonErrors },
      },
    },
    (req) => {
      const { password, ...rest } = req.body;
      // The audit keeps how many tokens a revoke took (the name `revokeTokens` alone reads as a secret's).
      const record = (revokedCount: number | null) => {
        req.auditParameters = {
          ...rest,
          ...(password !== undefined && { password: REMOVED }),
          ...(revokedCount !== null && { revokedCount }),
        };
      };
      record(null);
      return updateUser(db, req.params.id, req.body, req.user?.id === req.params.id ? (req.user.session ?? null) : null, record);
    },
  );

  app.delete(
    '/users/:id',
    {
      config: admin,
      schema: {
        tags,
        description: 'ends its sessions and revokes its tokens',
        params: IdParams,
        response: { 204: Type.Null(), ...commonErrors },
      },
    },
    async (req, reply) => {
      deleteUser(db, req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/users/:id/tokens',
    { config: admin, schema: { tags, params: IdParams, response: { 200: Type.Array(ApiToken), ...commonErrors } } },
    (req) => {
      getUser(db, req.params.id);
      return listTokens(db, req.params.id);
    },
  );

  app.post(
    '/users/:id/tokens',
    {
      config: { ...admin, audit: 'token.create' },
      schema: {
        tags,
        description: 'the token acts with its user’s role; its secret is in this answer only',
        params: IdParams,
        body: CreateTokenBody,
        response: { 201: CreatedToken, ...commonErrors },
      },
    },
    async (req, reply) => {
      getUser(db, req.params.id);
      return reply.code(201).send(createToken(db, req.params.id, req.body.name));
    },
  );

  app.delete(
    '/users/:id/tokens/:tokenId',
    {
      config: { ...admin, audit: 'token.revoke' },
      schema: { tags, params: UserTokenParams, response: { 204: Type.Null(), ...commonErrors } },
    },
    async (req, reply) => {
      revokeToken(db, req.params.id, req.params.tokenId);
      return reply.code(204).send(null);
    },
  );
};
