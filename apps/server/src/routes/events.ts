import type { FastifyPluginAsync } from 'fastify';
import type { EventBus } from '../events/event-bus.js';
import { openSse } from '../events/sse.js';

export const eventRoutes: FastifyPluginAsync<{ bus: EventBus }> = async (app, { bus }) => {
  const open = new Set<() => void>();
  // Streams never end by themselves: end them, or closing the server would wait for them forever.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get(
    '/events',
    // No HEAD twin: it would hold a stream's place and never answer.
    {
      config: { role: 'viewer' },
      exposeHeadRoute: false,
      schema: { tags: ['events'], description: 'Server-sent events: StrataEvent JSON objects' },
    },
    (req, reply) => {
      let id = 0;
      let unsubscribe = () => undefined as void;
      const send = openSse(req, reply, open, () => unsubscribe());
      unsubscribe = bus.subscribe((event) => send(`id: ${++id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
    },
  );
};
