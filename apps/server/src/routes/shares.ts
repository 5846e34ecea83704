import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, ShareAttach, ShareCreate, SharePatch, ShareView, TagParams, Vm, commonErrors } from '@strata/contract';
import type { EventSink, ShareRecord, VmShares } from '@strata/core';
import { createShareSizes } from '../shares/share-sizes.js';

export const shareRoutes: FastifyPluginAsyncTypebox<{ shares: VmShares; events: EventSink }> = async (app, { shares, events }) => {
  const tags = ['shares'];
  const changed = () => events.emit({ type: 'shares.changed' });
  const sizes = createShareSizes(changed);
  const view = (s: ShareRecord): ShareView => ({
    ...s,
    sizeBytes: sizes.sizeOf(s.path),
    usedBy: shares.shareUsers(s.id).flatMap((vm) =>
      vm.shares
        .filter((a) => a.shareId === s.id)
        .map((a) => ({
          vmId: vm.id,
          vmName: vm.name,
          state: vm.state,
          tag: a.tag,
          transport: a.transport,
          readonly: a.readonly,
          warning: shares.attachmentWarning(vm.id, a.tag),
        })),
    ),
  });

  app.get('/shares', { config: { role: 'viewer' }, schema: { tags, response: { 200: Type.Array(ShareView), ...commonErrors } } }, () =>
    shares.listShares().map(view),
  );
  app.post(
    '/shares',
    { config: { role: 'operator' }, schema: { tags, body: ShareCreate, response: { 201: ShareView, ...commonErrors } } },
    async (req, reply) => {
      const share = shares.createShare(req.body);
      changed();
      return reply.code(201).send(view(share));
    },
  );
  app.patch(
    '/shares/:id',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, body: SharePatch, response: { 200: ShareView, ...commonErrors } } },
    (req) => {
      const share = shares.renameShare(req.params.id, req.body.name!);
      changed();
      return view(share);
    },
  );
  app.delete(
    '/shares/:id',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, response: { 204: Type.Null(), ...commonErrors } } },
    async (req, reply) => {
      await shares.deleteShare(req.params.id);
      changed();
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/vms/:id/shares',
    {
      config: { role: 'operator', audit: 'share.attach' },
      schema: { tags: ['vms'], params: IdParams, body: ShareAttach, response: { 200: Vm, ...commonErrors } },
    },
    async (req) => {
      const vm = await shares.attachShare(req.params.id, req.body);
      changed();
      return vm;
    },
  );
  app.delete(
    '/vms/:id/shares/:tag',
    {
      config: { role: 'operator', audit: 'share.detach' },
      schema: { tags: ['vms'], params: TagParams, response: { 200: Vm, ...commonErrors } },
    },
    async (req) => {
      const vm = await shares.detachShare(req.params.id, req.params.tag);
      changed();
      return vm;
    },
  );
};
