import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The built web app loads only its own scripts (no inline ones) and talks only to this server
 * (fetch, EventSource, the console WebSocket). Styles allow inline: xterm.js and uPlot set element
 * styles and xterm.js adds <style> elements at run time. No HSTS from here: behind a TLS proxy,
 * the proxy sets it.
 */
export const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  hsts: false,
} satisfies HelmetOptions;

const headers = helmet(HELMET_OPTIONS);

/** For answers given before any hook runs (Fastify's framework errors). */
export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse): void {
  headers(req, res, () => undefined);
}

/** The same headers as raw lines, for answers written straight to a socket (client errors). */
export function securityHeaderLines(): string {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  applySecurityHeaders(req, res);
  return Object.entries(res.getHeaders())
    .map(([k, v]) => `${k}: ${String(v)}\r\n`)
    .join('');
}
