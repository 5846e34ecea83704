import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { watchCaller } from '../auth/caller-watch.js';
import { claimStream, tooManyStreams } from '../auth/stream-budget.js';

/** Above this many unsent bytes a client is too slow: it is dropped, never buffered without bound. */
export const MAX_BACKLOG = 1 << 20;
const HEARTBEAT_MS = 15_000;

/**
 * Opens a server-sent event stream on a hijacked reply: heartbeats keep proxies from closing it,
 * a client that cannot keep up is dropped, and so is one whose credentials end; each caller holds a
 * bounded number of streams. Returns `send` and registers `onClose`.
 */
export function openSse(req: FastifyRequest, reply: FastifyReply, open: Set<() => void>, onClose: () => void): (text: string) => void {
  // Thrown before the hijack: the caller gets 429 with the reason, through the error handler.
  const claim = claimStream(req.user);
  if ('refused' in claim) throw tooManyStreams(claim.refused);
  reply.hijack();
  const res = reply.raw;
  // Hijacked: the headers set on the reply so far (the security headers) must be written by hand.
  res.writeHead(200, {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // A sign-out, a revoked token, a user disabled or deleted: the stream ends at once, not at its next reconnect.
  const watch = watchCaller(
    () => (req.user?.current() ?? null) !== null,
    () => res.end(),
  );
  const send = (text: string) => {
    if (res.destroyed || !watch.stillSignedIn()) return;
    if (res.writableLength > MAX_BACKLOG) {
      req.log.warn('dropping a slow event-stream client');
      res.destroy();
      return;
    }
    res.write(text);
  };
  send('retry: 2000\n: connected\n\n');
  const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
  const end = () => res.end();
  open.add(end);
  res.on('close', () => {
    open.delete(end);
    clearInterval(heartbeat);
    watch.stop();
    claim.release();
    onClose();
  });
  return send;
}
