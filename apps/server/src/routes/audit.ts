import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { AuditPage, AuditQuery, commonErrors } from '@strata/contract';
import { invalid } from '@strata/core';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { exportAudit, queryAudit, type AuditFilter } from '../audit/audit-log.js';

/** Dates in the query are compared with stored times, which are all UTC ISO strings. */
function filterOf(req: FastifyRequest, query: AuditQuery): AuditFilter {
  const instant = (name: 'from' | 'to'): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    // Date.parse rolls 2026-02-31 over into March; a day that does not exist is refused instead.
    const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
    if (Number.isNaN(ms) || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) {
      throw invalid(`querystring.${name}`, `querystring.${name} is not a real date or time: ${value}`);
    }
    return new Date(ms).toISOString();
  };
  return {
    user: query.user,
    target: query.target,
    action: query.action,
    from: instant('from'),
    to: instant('to'),
    admin: req.user?.role === 'admin',
  };
}

/**
 * The audit log, read-only: there is no route that edits or removes an entry. Every signed-in
 * role reads it (a viewer sees who did what to the VMs it watches); the parameters of user and
 * token changes are the admin's alone.
 */
export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const tags = ['audit'];
  app.get(
    '/audit',
    {
      config: { role: 'viewer' },
      schema: { tags, description: 'newest first', querystring: AuditQuery, response: { 200: AuditPage, ...commonErrors } },
    },
    (req) => queryAudit(db, filterOf(req, req.query), req.query.limit ?? 100, req.query.before),
  );

  app.get(
    '/audit/export',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        description: 'every matching entry, oldest first, one JSON object per line (limit and before are ignored)',
        querystring: AuditQuery,
      },
    },
    (req, reply) => {
      const pages = exportAudit(db, filterOf(req, req.query));
      const lines = Readable.from(
        (function* () {
          for (const page of pages) yield page.map((e) => `${JSON.stringify(e)}\n`).join('');
        })(),
      );
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type('application/x-ndjson')
        .header('content-disposition', `attachment; filename="strata-audit-${day}.ndjson"`)
        .send(lines);
    },
  );
};
