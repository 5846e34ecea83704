import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, Pinning, VcpuInfo, Vm, VmCreate, VmList, VmLog, VmPatch, commonErrors } from '@strata/contract';
import type { VmConfig, VmLifecycle } from '@strata/core';

export const vmRoutes: FastifyPluginAsyncTypebox<{ config: VmConfig; lifecycle: VmLifecycle }> = async (
  app,
  { config: vms, lifecycle },
) => {
  const tags = ['vms'];
  app.get('/vms', { config: { role: 'viewer' }, schema: { tags, response: { 200: VmList, ...commonErrors } } }, () => vms.list());

  app.post(
    '/vms',
    { config: { role: 'operator' }, schema: { tags, body: VmCreate, response: { 201: Vm, ...commonErrors } } },
    async (req, reply) => {
      return reply.code(201).send(await vms.create(req.body));
    },
  );

  app.get('/vms/:id', { config: { role: 'viewer' }, schema: { tags, params: IdParams, response: { 200: Vm, ...commonErrors } } }, (req) =>
    vms.get(req.params.id),
  );

  app.delete(
    '/vms/:id',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, response: { 204: Type.Null(), ...commonErrors } } },
    async (req, reply) => {
      await vms.remove(req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/vms/:id',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, body: VmPatch, response: { 200: Vm, ...commonErrors } } },
    (req) => vms.update(req.params.id, req.body),
  );

  const actions = {
    start: 'start a stopped VM',
    stop: 'force stop: QMP quit, then SIGKILL',
    shutdown: 'graceful: the ACPI power button, then a forced stop after shutdownTimeoutSec',
    pause: 'freeze the vCPUs',
    resume: 'continue a paused VM',
    reset: 'hard reset, as the reset button',
  } as const;
  for (const [action, description] of Object.entries(actions) as [keyof typeof actions, string][]) {
    app.post(
      `/vms/:id/${action}`,
      {
        config: { role: 'operator' },
        schema: { tags, description, params: IdParams, response: { 200: Vm, ...commonErrors, 503: commonErrors[500] } },
      },
      (req) => lifecycle[action](req.params.id),
    );
  }

  app.get(
    '/vms/:id/vcpus',
    { config: { role: 'viewer' }, schema: { tags, params: IdParams, response: { 200: Type.Array(VcpuInfo), ...commonErrors } } },
    (req) => vms.vcpus(req.params.id),
  );

  app.put(
    '/vms/:id/pinning',
    {
      config: { role: 'operator' },
      schema: { tags, params: IdParams, body: Pinning, response: { 200: Type.Array(VcpuInfo), ...commonErrors } },
    },
    (req) => vms.setPinning(req.params.id, req.body),
  );

  app.get(
    '/vms/:id/log',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        params: IdParams,
        querystring: Type.Object({ lines: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }),
        response: { 200: VmLog, ...commonErrors },
      },
    },
    async (req) => {
      await vms.get(req.params.id);
      return { lines: await vms.logTail(req.params.id, req.query.lines ?? 50) };
    },
  );
};
