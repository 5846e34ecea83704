import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DiskParams, IdParams, Image, Job, MergeBody, MergePlan, RevertBody, SnapshotBody, Vm, commonErrors } from '@strata/contract';
import type { ImageService, VmService } from '@strata/core';

export const imageRoutes: FastifyPluginAsyncTypebox<{ images: ImageService; vms: VmService }> = async (app, { images, vms }) => {
  app.get('/images', { schema: { tags: ['images'], response: { 200: Type.Array(Image), ...commonErrors } } }, () => images.list());

  app.get('/images/:id/merge-plan', { schema: { tags: ['images'], params: IdParams, response: { 200: MergePlan, ...commonErrors } } },
    (req) => vms.planMerge(req.params.id));

  app.post('/images/:id/merge', {
    schema: { tags: ['images'], description: 'starts a merge job; progress and completion arrive on /api/v1/events', params: IdParams, body: MergeBody, response: { 202: Job, ...commonErrors } },
  }, async (req, reply) => reply.code(202).send(vms.merge(req.params.id, req.body)));

  app.post('/vms/:id/disks/:disk/snapshots', { schema: { tags: ['vms'], params: DiskParams, body: SnapshotBody, response: { 200: Vm, ...commonErrors } } },
    (req) => vms.snapshot(req.params.id, req.params.disk, req.body));

  app.post('/vms/:id/disks/:disk/revert', { schema: { tags: ['vms'], params: DiskParams, body: RevertBody, response: { 200: Vm, ...commonErrors } } },
    (req) => vms.revert(req.params.id, req.params.disk, req.body.imageId));
};
