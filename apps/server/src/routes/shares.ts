import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, Share, ShareAttach, ShareCreate, SharePatch, TagParams, Vm, commonErrors } from '@strata/contract';
import type { VmService } from '@strata/core';

export const shareRoutes: FastifyPluginAsyncTypebox<{ vms: VmService }> = async (app, { vms }) => {
  const tags = ['shares'];
  app.get('/shares', { schema: { tags, response: { 200: Type.Array(Share), ...commonErrors } } }, () => vms.listShares());
  app.post('/shares', { schema: { tags, body: ShareCreate, response: { 201: Share, ...commonErrors } } },
    async (req, reply) => reply.code(201).send(vms.createShare(req.body)));
  app.patch('/shares/:id', { schema: { tags, params: IdParams, body: SharePatch, response: { 200: Share, ...commonErrors } } },
    (req) => vms.renameShare(req.params.id, req.body.name!));
  app.delete('/shares/:id', { schema: { tags, params: IdParams, response: { 204: Type.Null(), ...commonErrors } } }, async (req, reply) => {
    await vms.deleteShare(req.params.id);
    return reply.code(204).send(null);
  });
  app.post('/vms/:id/shares', { schema: { tags: ['vms'], params: IdParams, body: ShareAttach, response: { 200: Vm, ...commonErrors } } },
    (req) => vms.attachShare(req.params.id, req.body));
  app.delete('/vms/:id/shares/:tag', { schema: { tags: ['vms'], params: TagParams, response: { 200: Vm, ...commonErrors } } },
    (req) => vms.detachShare(req.params.id, req.params.tag));
};
