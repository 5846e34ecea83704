import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { collectionsOf, describeRequest } from './audit-action.js';
import { pruneAudit, recordAudit, type AuditInput } from './audit-log.js';
import { RefusalLimiter } from './refusal-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the answer said that the audit entry needs: a created thing's id, an error's code. */
    auditReply?: { id?: string; code?: string };
    /**
     * What a route records instead of its body, set by its handler: an upload records its name,
     * format and size, never the stream its body is.
     */
    auditParameters?: Record<string, string | number | boolean | null>;
  }
  interface FastifyInstance {
    /** recordAudit with this server's database: for code that notices something itself. */
    recordAudit(entry: AuditInput): void;
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_REPLY = 64 * 1024;
const DAY_MS = 24 * 3600 * 1000;
/** The outcome of a request whose client left before any answer reached it. */
export const CLIENT_ABORTED = 'aborted_by_client';
/** How long an aborted request's handler may take to say what it made before its entry is written without. */
const ABORTED_GRACE_MS = 60_000;
/** Only a body the JSON parser produced is plain data a client sent; any other parser's result is not stored. */
const JSON_BODY = /^application\/(?:[\w.+-]+\+)?json(?:\s*;|$)/i;

/**
 * Every request that may change state (anything but a read) from a caller who proved who they
 * are, whatever the outcome — a viewer refused a delete is recorded too. Refusals before that
 * (no or bad credentials, CSRF) are not: anyone could fill the log with them. A route opts out
 * with `config: { audit: false }` when it records itself (login).
 */
const recorded = (req: FastifyRequest): boolean =>
  !READS.has(req.method) && !req.is404 && req.user !== undefined && req.routeOptions.config?.audit !== false;

/** Per request: who and from where, taken while the socket is still there, and whether it is written. */
interface Tracked {
  address: string;
  answered: boolean;
  aborted: boolean;
  written: boolean;
  grace?: NodeJS.Timeout;
}

export interface AuditHookOptions {
  /** Entries older than this are removed at start and once a day. */
  retentionDays: number;
}

export function registerAuditHook(app: FastifyInstance, db: Db, options: AuditHookOptions = { retentionDays: 400 }): void {
  app.decorate('recordAudit', (entry: AuditInput) => recordAudit(db, entry));
  const limiter = new RefusalLimiter((entry) => write(entry));
  const tracked = new WeakMap<FastifyRequest, Tracked>();
  let collections = new Set<string>();
  let pruner: NodeJS.Timeout | undefined;

  const write = (entry: AuditInput) => {
    try {
      recordAudit(db, entry);
    } catch (err) {
      app.log.error({ err }, 'the audit entry could not be written');
    }
  };
  const prune = () => {
    try {
      const removed = pruneAudit(db, options.retentionDays);
      if (removed > 0) app.log.info({ removed, retentionDays: options.retentionDays }, 'old audit entries removed');
    } catch (err) {
      app.log.error({ err }, 'the audit log could not be pruned');
    }
  };

  // Runs after the route table's own onReady hook (registered before this), which fills the table.
  app.addHook('onReady', async () => {
    collections = collectionsOf(app.routeTable.map((r) => r.url));
    prune();
    pruner = setInterval(prune, DAY_MS).unref();
  });
  // preClose: the database is still open (the app's onClose closes it).
  app.addHook('preClose', async () => {
    clearInterval(pruner);
    limiter.flush();
  });

  /** Exactly once per request: the first of the response's finish, its close, or a late answer after an abort. */
  const record = (req: FastifyRequest, reply: FastifyReply, status: number | null) => {
    const t = tracked.get(req) ?? { address: req.ip, answered: true, aborted: false, written: false };
    if (t.written || !recorded(req)) return;
    t.written = true;
    tracked.set(req, t);
    clearTimeout(t.grace);
    const params = (req.params ?? {}) as Record<string, string>;
    const label = req.routeOptions.config?.audit;
    const pattern = req.routeOptions.url ?? req.url;
    const target = describeRequest(req.method, pattern, params, typeof label === 'string' ? label : undefined, collections.has(pattern));
    const refused = status !== null && status >= 400 && status < 500;
    const entry: AuditInput = {
      ...target,
      // A create names its new thing only in the answer.
      targetId: target.targetId ?? req.auditReply?.id ?? null,
      user: req.user!.username,
      via: req.user!.via,
      address: t.address,
      method: req.method,
      route: req.routeOptions.url ?? null,
      routeParams: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
      // A refused request changed nothing: what it asked for is not kept (it could be anything, at any length).
      parameters: refused ? null : parametersOf(req),
      status,
      errorCode: status === null ? CLIENT_ABORTED : (req.auditReply?.code ?? null),
    };
    if (refused) limiter.offer(req.user!.username, entry);
    else write(entry);
  };

  app.addHook('onRequest', async (req, reply) => {
    if (!recorded(req)) return;
    // The address now: once the client has gone, the socket no longer knows it.
    const t: Tracked = { address: req.ip, answered: false, aborted: false, written: false };
    tracked.set(req, t);
    // Fastify's onResponse runs only when the answer is written out; a client that drops the
    // connection first would leave a change nobody recorded.
    reply.raw.once('close', () => {
      if (t.written || reply.raw.writableFinished) return;
      t.aborted = true;
      if (t.answered) return record(req, reply, null);
      // The handler is still at work: its answer says what it made (a new VM's id).
      t.grace = setTimeout(() => record(req, reply, null), ABORTED_GRACE_MS).unref();
    });
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
    const t = tracked.get(req);
    if (t) {
      t.answered = true;
      if (t.aborted) record(req, reply, null);
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => record(req, reply, reply.statusCode));
}

/** What the route declared, or the body when the JSON parser made it; never any other parser's object. */
function parametersOf(req: FastifyRequest): unknown {
  if (req.auditParameters !== undefined) return req.auditParameters;
  const type = req.headers['content-type'];
  return typeof type === 'string' && JSON_BODY.test(type) ? req.body : null;
}
