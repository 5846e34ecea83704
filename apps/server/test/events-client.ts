import { request } from 'node:http';
import type { StrataEvent } from '@strata/contract';
import { TOKEN } from './harness.js';

/** Collects the events /api/v1/events pushes, parsed from the SSE wire format. */
export function collectEvents(baseUrl: string): { events: StrataEvent[]; ready: Promise<void>; close(): void } {
  const events: StrataEvent[] = [];
  let buffer = '';
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  const req = request(`${baseUrl}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      connected();
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) events.push(JSON.parse(data) as StrataEvent);
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { events, ready, close: () => req.destroy() };
}
