import type { FastifyInstance, RouteOptions } from 'fastify';
import type { RoleName } from '@strata/contract/roles';

export interface RouteEntry {
  method: string;
  url: string;
  websocket: boolean;
  public: boolean;
  /** The least role the route needs; null only for public routes. */
  role: RoleName | null;
  /** The action name the audit log gives it, when the route names one itself. */
  audit: string | false | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered, for the perimeter tests and for review. */
    routeTable: RouteEntry[];
  }
}

/**
 * Records each route as it is added; must run before any route is registered. A private route
 * that declares no role stops the server from starting: no one can add a route and forget who may
 * use it. The check waits for onReady because a plugin's own onRoute hook may still declare the
 * route public after this one has seen it (the web files do), and onReady comes before any
 * request is answered.
 */
export function collectRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  const seen: { method: string; route: RouteOptions }[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) seen.push({ method, route });
  });
  app.addHook('onReady', async () => {
    const undeclared: string[] = [];
    for (const { method, route } of seen.splice(0)) {
      const entry: RouteEntry = {
        method,
        url: route.url,
        websocket: Boolean((route as { websocket?: boolean }).websocket),
        public: route.config?.access === 'public',
        role: route.config?.role ?? null,
        audit: route.config?.audit ?? null,
      };
      if (!entry.public && entry.role === null) undeclared.push(`${method} ${route.url}`);
      table.push(entry);
    }
    if (undeclared.length > 0) {
      throw new Error(
        `private routes must declare the least role they need, config: { role: 'viewer' | 'operator' | 'admin' }: ${undeclared.join(', ')}`,
      );
    }
  });
}
