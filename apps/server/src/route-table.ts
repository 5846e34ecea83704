import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  url: string;
  websocket: boolean;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered, for the perimeter tests and for review. */
    routeTable: RouteEntry[];
  }
}

/** Records each route as it is added; must run before any route is registered. */
export function collectRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      table.push({
        method,
        url: route.url,
        websocket: Boolean((route as { websocket?: boolean }).websocket),
        public: route.config?.access === 'public',
      });
    }
  });
}
