import type { FastifyPluginAsync } from 'fastify';
import type { EventBus } from '../events/event-bus.js';

/** Above this many unsent bytes a client is too slow: it is dropped, never buffered without bound. */
const MAX_BACKLOG = 1 << 20;
const HEARTBEAT_MS = 15_000;

export const eventRoutes: FastifyPluginAsync<{ bus: EventBus }> = async (app, { bus }) => {
  const open = new Set<() => void>();
  // Streams never end by themselves: end them, or closing the server would wait for them forever.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get('/events', { schema: { tags: ['events'], description: 'Server-sent events: StrataEvent JSON objects' } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let id = 0;
    const send = (text: string) => {
      if (res.writableLength > MAX_BACKLOG) {
        req.log.warn('dropping a slow event-stream client');
        res.destroy();
        return;
      }
      res.write(text);
    };
    send('retry: 2000\n: connected\n\n');
    const unsubscribe = bus.subscribe((event) => send(`id: ${++id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
    const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
    const end = () => res.end();
    open.add(end);
    res.on('close', () => {
      open.delete(end);
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
};
