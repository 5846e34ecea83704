import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { collectionsOf, describeRequest } from './audit-action.js';
import { recordAudit, type AuditInput } from './audit-log.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the answer said that the audit entry needs: a created thing's id, an error's code. */
    auditReply?: { id?: string; code?: string };
  }
  interface FastifyInstance {
    /** recordAudit with this server's database: for code that notices something itself. */
    recordAudit(entry: AuditInput): void;
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_REPLY = 64 * 1024;

/**
 * Every request that may change state (anything but a read) from a caller who proved who they
 * are, whatever the outcome — a viewer refused a delete is recorded too. Refusals before that
 * (no or bad credentials, CSRF) are not: anyone could fill the log with them. A route opts out
 * with `config: { audit: false }` when it records itself (login).
 */
const recorded = (req: FastifyRequest): boolean =>
  !READS.has(req.method) && !req.is404 && req.user !== undefined && req.routeOptions.config?.audit !== false;

export function registerAuditHook(app: FastifyInstance, db: Db): void {
  app.decorate('recordAudit', (entry: AuditInput) => recordAudit(db, entry));
  let collections = new Set<string>();
  // Runs after the route table's own onReady hook (registered before this), which fills the table.
  app.addHook('onReady', async () => {
    collections = collectionsOf(app.routeTable.map((r) => r.url));
  });

  app.addHook('onSend', async (req, reply, payload) => {
    if (recorded(req) && typeof payload === 'string' && payload.length <= MAX_REPLY && payload.startsWith('{')) {
      try {
        const body = JSON.parse(payload) as { id?: unknown; code?: unknown };
        req.auditReply = {
          ...(typeof body.id === 'string' && reply.statusCode < 300 ? { id: body.id } : {}),
          ...(typeof body.code === 'string' && reply.statusCode >= 400 ? { code: body.code } : {}),
        };
      } catch {
        // not JSON: nothing to take from it
      }
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    if (!recorded(req)) return;
    const params = (req.params ?? {}) as Record<string, string>;
    const label = req.routeOptions.config?.audit;
    const pattern = req.routeOptions.url ?? req.url;
    const target = describeRequest(req.method, pattern, params, typeof label === 'string' ? label : undefined, collections.has(pattern));
    try {
      recordAudit(db, {
        ...target,
        // A create names its new thing only in the answer.
        targetId: target.targetId ?? req.auditReply?.id ?? null,
        user: req.user!.username,
        via: req.user!.via,
        address: req.ip,
        method: req.method,
        route: req.routeOptions.url ?? null,
        routeParams: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
        parameters: req.body,
        status: reply.statusCode,
        errorCode: req.auditReply?.code ?? null,
      });
    } catch (err) {
      req.log.error({ err }, 'the audit entry could not be written');
    }
  });
}
