import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DiskAdd, DiskParams, DiskRemoveQuery, DiskResize, IdParams, Job, Vm, VmClone, commonErrors } from '@strata/contract';
import type { VmClones, VmConfig, VmDisks, VmLifecycle } from '@strata/core';

/** A VM's disks added, removed and grown; clones; restart; and the changes waiting for it. */
export const vmOpsRoutes: FastifyPluginAsyncTypebox<{
  config: VmConfig;
  lifecycle: VmLifecycle;
  disks: VmDisks;
  clones: VmClones;
}> = async (app, { config, lifecycle, disks, clones }) => {
  const tags = ['vms'];
  const vmReply = { 200: Vm, ...commonErrors };

  app.post(
    '/vms/:id/restart',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'graceful shutdown (forced after shutdownTimeoutSec), then start: pending changes apply; answers once it runs again',
        params: IdParams,
        response: { ...vmReply, 503: commonErrors[500] },
      },
    },
    (req) => lifecycle.restart(req.params.id),
  );

  app.delete(
    '/vms/:id/pending',
    {
      config: { role: 'operator' },
      schema: { tags, description: 'forgets the changes waiting for the next start', params: IdParams, response: vmReply },
    },
    (req) => config.discardPending(req.params.id),
  );

  app.post(
    '/vms/:id/disks',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'a blank disk (sizeBytes) or a new overlay on a shared image (image); the VM must be stopped',
        params: IdParams,
        body: DiskAdd,
        response: { 201: Vm, ...commonErrors },
      },
    },
    async (req, reply) => reply.code(201).send(await disks.add(req.params.id, req.body)),
  );

  app.delete(
    '/vms/:id/disks/:disk',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'removes a disk other than the boot disk; its own layers are deleted (layers=delete) or kept as images (layers=keep)',
        params: DiskParams,
        querystring: DiskRemoveQuery,
        response: vmReply,
      },
    },
    (req) => disks.remove(req.params.id, req.params.disk, req.query.layers ?? 'delete'),
  );

  app.post(
    '/vms/:id/disks/:disk/resize',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'grows the disk (live on a running QEMU VM); shrinking is refused',
        params: DiskParams,
        body: DiskResize,
        response: vmReply,
      },
    },
    (req) => disks.grow(req.params.id, req.params.disk, req.body.sizeBytes),
  );

  app.post(
    '/vms/:id/clone',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description:
          'full: a job copying every disk into images of the new VM (202); linked: a new VM on the frozen layers of this one (201)',
        params: IdParams,
        body: VmClone,
        response: { 201: Vm, 202: Job, ...commonErrors },
      },
    },
    async (req, reply) => {
      const made = await clones.clone(req.params.id, req.body);
      return 'job' in made ? reply.code(202).send(made.job) : reply.code(201).send(made.vm);
    },
  );
};
