import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CpuModels, HostInfo, commonErrors } from '@strata/contract';
import type { HostService } from '../host/host-service.js';
import type { EventBus } from '../events/event-bus.js';

export const hostRoutes: FastifyPluginAsyncTypebox<{ host: HostService; bus: EventBus }> = async (app, { host, bus }) => {
  app.get('/host', { config: { role: 'viewer' }, schema: { tags: ['host'], response: { 200: HostInfo, ...commonErrors } } }, () =>
    host.info(),
  );
  app.get(
    '/host/cpu-models',
    { config: { role: 'viewer' }, schema: { tags: ['host'], response: { 200: CpuModels, ...commonErrors } } },
    async () => {
      const { accelerator } = await host.info();
      const models = (await host.cpuModelList()).filter((m) => m.name !== 'host' || accelerator.kvm.usable);
      return {
        models,
        note: accelerator.kvm.usable
          ? "'host' passes the host CPU through (KVM)"
          : "'host' is left out: it needs KVM, which is not usable here",
      };
    },
  );
  app.post(
    '/host/probe',
    { config: { role: 'operator' }, schema: { tags: ['host'], response: { 200: HostInfo, ...commonErrors } } },
    async () => {
      const info = await host.reprobe();
      bus.emit({ type: 'host.changed' });
      return info;
    },
  );
};
