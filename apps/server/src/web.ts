import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The web app's own client-side routes, spelled exactly as it links to them (a VM page has one per tab). */
const CLIENT_ROUTE =
  /^\/(?:(?:vms|images|shares|benchmarks|host|users|activity)(?:\/[a-z0-9-]{1,64})?|vms\/[a-z0-9-]{1,64}\/(?:overview|console|metrics|vcpus|disks|shares|uml|activity))?\/?$/;

const notFound = (req: FastifyRequest, reply: FastifyReply) =>
  reply.code(404).send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });

/**
 * Serves the built web app — every file public by its route's own declaration — and index.html
 * for the client-side routes, matched on the raw path, so that no other spelling of an API path
 * is answered with the app shell.
 */
export async function registerWeb(app: FastifyInstance, webDir: string | null): Promise<void> {
  const hasWeb = webDir !== null && existsSync(`${webDir}/index.html`);
  await app.register(async (web) => {
    web.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    if (hasWeb) await web.register(fastifyStatic, { root: webDir, wildcard: false });
    web.setNotFoundHandler((req, reply) => {
      const path = req.url.split('?')[0] ?? '';
      if (!hasWeb || (req.method !== 'GET' && req.method !== 'HEAD') || !CLIENT_ROUTE.test(path)) return notFound(req, reply);
      return reply.type('text/html').sendFile('index.html');
    });
  });
}
