import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no URL parser normalises it on the way. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A loopback source address (any of 127.0.0.0/8), to act as many clients. */
  localAddress?: string;
  websocket?: boolean;
}

const MAX_BODY = 64 * 1024;

/**
 * One request over a real socket. Streams (SSE) and WebSocket upgrades are answered as soon as
 * the status is known: a 200 or a 101 there is what a test looks for, not what follows.
 */
export function rawRequest(base: string, r: RawRequest): Promise<RawAnswer> {
  const url = new URL(base);
  const upgrade = r.websocket
    ? { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }
    : {};
  const headers = { ...upgrade, ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}), ...r.headers };
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      method: r.method,
      path: r.path,
      headers,
      localAddress: r.localAddress,
      agent: false,
      setHost: !('host' in headers),
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < MAX_BODY) body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}
