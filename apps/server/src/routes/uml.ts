import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, UbdAdd, UbdDevice, UmlAction, UmlActionResult, commonErrors } from '@strata/contract';
import type { VmUml } from '@strata/core';

/** UML's management console (mconsole) and its live ubd disks. */
export const umlRoutes: FastifyPluginAsyncTypebox<{ uml: VmUml }> = async (app, { uml }) => {
  const tags = ['uml'];
  app.post(
    '/vms/:id/uml',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        description: 'an mconsole action: halt, reboot, cad, sysrq (with key), stop, go',
        params: IdParams,
        body: UmlAction,
        response: { 200: UmlActionResult, ...commonErrors },
      },
    },
    (req) => uml.umlAction(req.params.id, req.body),
  );
  app.get(
    '/vms/:id/uml/ubd',
    { config: { role: 'viewer' }, schema: { tags, params: IdParams, response: { 200: Type.Array(UbdDevice), ...commonErrors } } },
    (req) => uml.ubdDevices(req.params.id),
  );
  app.post(
    '/vms/:id/uml/ubd',
    { config: { role: 'operator' }, schema: { tags, params: IdParams, body: UbdAdd, response: { 201: UbdDevice, ...commonErrors } } },
    async (req, reply) => reply.code(201).send(await uml.addScratchDisk(req.params.id, req.body.sizeMiB)),
  );
  app.delete(
    '/vms/:id/uml/ubd/:device',
    {
      config: { role: 'operator' },
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
      await uml.removeScratchDisk(req.params.id, req.params.device);
      return reply.code(204).send(null);
    },
  );
};
