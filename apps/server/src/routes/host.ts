import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HostInfo, commonErrors } from '@strata/contract';
import type { HostService } from '../host/host-service.js';
import type { EventBus } from '../events/event-bus.js';

export const hostRoutes: FastifyPluginAsyncTypebox<{ host: HostService; bus: EventBus }> = async (app, { host, bus }) => {
  app.get('/host', { schema: { tags: ['host'], response: { 200: HostInfo, ...commonErrors } } }, () => host.info());
  app.post('/host/probe', { schema: { tags: ['host'], response: { 200: HostInfo, ...commonErrors } } }, async () => {
    const info = await host.reprobe();
    bus.emit({ type: 'host.changed' });
    return info;
  });
};
