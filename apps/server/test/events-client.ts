import { request } from 'node:http';
import type { StrataEvent } from '@strata/contract';
import { TOKEN } from './harness.js';

export interface SseFrame<T> {
  id: number | null;
  event: string;
  data: T;
  receivedAt: number;
}

/** Collects what an SSE endpoint sends, parsed from the wire format; `ended` settles when the server ends it. */
export function collectSse<T>(
  url: string,
  headers: Record<string, string> = {},
): { frames: SseFrame<T>[]; ready: Promise<void>; ended: Promise<void>; close(): void } {
  const frames: SseFrame<T>[] = [];
  let buffer = '';
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  let finished!: () => void;
  const ended = new Promise<void>((r) => (finished = r));
  // The configured token, unless the caller brings credentials of its own (a token or a session cookie).
  const credentials = 'authorization' in headers || 'cookie' in headers ? {} : { authorization: `Bearer ${TOKEN}` };
  const req = request(url, { headers: { ...credentials, ...headers } }, (res) => {
    res.setEncoding('utf8');
    res.on('close', finished);
    res.on('data', (chunk: string) => {
      connected();
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          lines
            .filter((l) => l.startsWith(`${name}: `))
            .map((l) => l.slice(name.length + 2))
            .join('\n');
        const data = field('data');
        if (data)
          frames.push({
            id: field('id') ? Number(field('id')) : null,
            event: field('event') || 'message',
            data: JSON.parse(data) as T,
            receivedAt: Date.now(),
          });
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { frames, ready, ended, close: () => req.destroy() };
}

/** Collects the events /api/v1/events pushes. */
export function collectEvents(baseUrl: string): { events: StrataEvent[]; ready: Promise<void>; close(): void } {
  const sse = collectSse<StrataEvent>(`${baseUrl}/api/v1/events`);
  return {
    get events() {
      return sse.frames.map((f) => f.data);
    },
    ready: sse.ready,
    close: sse.close,
  };
}
