import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, UbdAdd, UbdDevice, UmlAction, UmlActionResult, commonErrors } from '@strata/contract';
import type { VmService } from '@strata/core';

/** UML's management console (mconsole) and its live ubd disks. */
export const umlRoutes: FastifyPluginAsyncTypebox<{ vms: VmService }> = async (app, { vms }) => {
  const tags = ['uml'];
  app.post(
    '/vms/:id/uml',
    {
      schema: {
        tags,
        description: 'an mconsole action: halt, reboot, cad, sysrq (with key), stop, go',
        params: IdParams,
        body: UmlAction,
        response: { 200: UmlActionResult, ...commonErrors },
      },
    },
    (req) => vms.umlAction(req.params.id, req.body),
  );
  app.get('/vms/:id/uml/ubd', { schema: { tags, params: IdParams, response: { 200: Type.Array(UbdDevice), ...commonErrors } } }, (req) =>
    vms.ubdDevices(req.params.id),
  );
  app.post(
    '/vms/:id/uml/ubd',
    { schema: { tags, params: IdParams, body: UbdAdd, response: { 201: UbdDevice, ...commonErrors } } },
    async (req, reply) => reply.code(201).send(await vms.addScratchDisk(req.params.id, req.body.sizeMiB)),
  );
  app.delete(
    '/vms/:id/uml/ubd/:device',
    {
      schema: {
        tags,
        params: Type.Object(
          { id: IdParams.properties.id, device: Type.String({ pattern: '^ubd[0-7]$' }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...commonErrors },
      },
    },
    async (req, reply) => {
      await vms.removeScratchDisk(req.params.id, req.params.device);
      return reply.code(204).send(null);
    },
  );
};
