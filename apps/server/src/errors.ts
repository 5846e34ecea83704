import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StrataError } from '@strata/core';
import type { Socket } from 'node:net';
import { applySecurityHeaders, securityHeaderLines } from './security-headers.js';

interface AjvIssue {
  instancePath: string;
  keyword?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
  /** With Ajv's verbose option: the schema that failed, whose `errorMessage` may say it better. */
  parentSchema?: { errorMessage?: Record<string, string> };
}

/** "body" + "/cpu/cores" → "body.cpu.cores"; a missing or extra property is named too. */
export function fieldOf(context: string, issue: AjvIssue): string {
  const path = issue.instancePath.split('/').filter(Boolean).map(decodeURIComponent);
  const extra = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  return [context, ...path, ...(extra ? [extra] : [])].join('.');
}

function describe(issue: AjvIssue, field: string): string {
  if (issue.params?.missingProperty) return `${field} is required`;
  if (issue.params?.additionalProperty) return `${field} is not a known field`;
  const own = issue.keyword ? issue.parentSchema?.errorMessage?.[issue.keyword] : undefined;
  if (own) return `${field} ${own}`;
  return `${field} ${issue.message ?? 'is not valid'}`;
}

/** One place maps every error to `{code, message, field?}`; 5xx details go to the log only. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error.validation) {
      const issue = error.validation[0] as AjvIssue;
      const field = fieldOf(error.validationContext ?? 'request', issue);
      return reply.code(400).send({ code: 'invalid_input', message: describe(issue, field), field });
    }
    if (error instanceof StrataError) {
      if (error.status >= 500) req.log.error({ err: error, method: req.method, url: req.url }, error.message);
      return reply.code(error.status).send({ code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply.code(status).send({ code: error.code?.toLowerCase() ?? 'bad_request', message: error.message });
    }
    req.log.error({ err: error, method: req.method, url: req.url, route: req.routeOptions.url }, 'unhandled error');
    return reply.code(500).send({ code: 'internal', message: 'internal error; the server log has the details' });
  });
}

/**
 * Errors met before routing (no hooks run). A path whose percent-encoding is not UTF-8 names no
 * route: 404, as for any unknown path. A refused WebSocket upgrade has no HTTP server behind its
 * socket to close it, so it is closed here, or it would hold the server open.
 */
export function answerFrameworkError(error: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const bad = error.code === 'FST_ERR_BAD_URL';
  applySecurityHeaders(req.raw, reply.raw);
  if (req.headers.upgrade) reply.raw.once('finish', () => req.raw.socket.destroy());
  void reply.code(bad ? 404 : (error.statusCode ?? 400)).send({
    code: bad ? 'not_found' : 'bad_request',
    message: bad ? `no route ${req.method} (the path's percent-encoding is not UTF-8)` : error.message,
  });
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};
let clientErrorHeaders: string | null = null;

/** A request too malformed to parse: answered on the socket itself, with the same security headers. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({ code: 'bad_request', message: `the request could not be read (${reason.toLowerCase()})` });
  clientErrorHeaders ??= securityHeaderLines();
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${clientErrorHeaders}\r\n${body}`,
  );
}
