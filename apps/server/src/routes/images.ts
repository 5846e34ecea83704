import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  CheckReport,
  DiskParams,
  IdParams,
  Image,
  ImageConvert,
  ImageCreate,
  ImageImport,
  ImageRebase,
  ImageResize,
  Job,
  MergeBody,
  MergePlan,
  RevertBody,
  SnapshotBody,
  Vm,
  commonErrors,
} from '@strata/contract';
import type { ImageOps, ImageService, VmDisks, VmMerges } from '@strata/core';

export const imageRoutes: FastifyPluginAsyncTypebox<{ images: ImageService; disks: VmDisks; merges: VmMerges; ops: ImageOps }> = async (
  app,
  { images, disks, merges, ops },
) => {
  const tags = ['images'];
  const shown = (id: string) => images.list().find((i) => i.id === id)!;
  const jobReply = { 202: Job, ...commonErrors };

  app.get('/images', { config: { role: 'viewer' }, schema: { tags, response: { 200: Type.Array(Image), ...commonErrors } } }, () =>
    images.list(),
  );

  app.post(
    '/images',
    {
      config: { role: 'operator' },
      schema: { tags, description: 'a blank image', body: ImageCreate, response: { 201: Image, ...commonErrors } },
    },
    async (req, reply) => reply.code(201).send(shown((await ops.create(req.body)).id)),
  );

  app.post(
    '/images/import',
    {
      config: { role: 'operator' },
      schema: { tags, description: 'copies a standalone image from the import directory', body: ImageImport, response: jobReply },
    },
    async (req, reply) => reply.code(202).send(ops.importImage(req.body)),
  );

  app.delete(
    '/images/:id',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, response: { 204: Type.Null(), ...commonErrors } } },
    async (req, reply) => {
      await ops.remove(req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/images/:id/convert',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, body: ImageConvert, response: jobReply } },
    async (req, reply) => reply.code(202).send(ops.convert(req.params.id, req.body)),
  );

  app.post(
    '/images/:id/resize',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'grows the image; shrinking is refused',
        params: IdParams,
        body: ImageResize,
        response: { 200: Image, ...commonErrors },
      },
    },
    async (req) => shown((await ops.resize(req.params.id, req.body.sizeBytes)).id),
  );

  app.post(
    '/images/:id/check',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, response: { 200: CheckReport, ...commonErrors } } },
    (req) => ops.check(req.params.id),
  );

  app.post(
    '/images/:id/rebase',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'safe rebase: the guest-visible content stays the same',
        params: IdParams,
        body: ImageRebase,
        response: jobReply,
      },
    },
    async (req, reply) => reply.code(202).send(ops.rebase(req.params.id, req.body.parentId)),
  );

  app.get(
    '/images/:id/merge-plan',
    { config: { role: 'viewer' }, schema: { tags, params: IdParams, response: { 200: MergePlan, ...commonErrors } } },
    (req) => merges.planMerge(req.params.id),
  );

  app.post(
    '/images/:id/merge',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'starts a merge job; progress and completion arrive on /api/v1/events',
        params: IdParams,
        body: MergeBody,
        response: jobReply,
      },
    },
    async (req, reply) => reply.code(202).send(merges.merge(req.params.id, req.body)),
  );

  app.post(
    '/vms/:id/disks/:disk/snapshots',
    {
      config: { role: 'operator', audit: 'vm.snapshot' },
      schema: {
        tags: ['vms'],
        description: "200 with the VM when taken at once; 202 with a job for a UML COW's snapshot, a full copy by uml_moo",
        params: DiskParams,
        body: SnapshotBody,
        response: { 200: Vm, 202: Job, ...commonErrors },
      },
    },
    async (req, reply) => {
      const taken = await disks.snapshotOrJob(req.params.id, req.params.disk, req.body);
      return 'job' in taken ? reply.code(202).send(taken.job) : taken.vm;
    },
  );

  app.post(
    '/vms/:id/disks/:disk/revert',
    {
      config: { role: 'operator', audit: 'vm.revert' },
      schema: { tags: ['vms'], params: DiskParams, body: RevertBody, response: { 200: Vm, ...commonErrors } },
    },
    (req) => disks.revert(req.params.id, req.params.disk, req.body.imageId),
  );
};
