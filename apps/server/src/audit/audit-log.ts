/**
 * The audit log, in SQLite, append-only (the table's triggers refuse UPDATE and DELETE).
 *
 * Other server code records what it notices itself, with no request behind it, through
 *   import { recordAudit } from '../audit/audit-log.js';   // apps/server/src/audit/audit-log.ts
 *   recordAudit(db, { action: 'share.daemon-exit', targetKind: 'share', targetId: share.id, parameters: { code } });
 * or, where only the app is at hand, `app.recordAudit({ ... })` (the same, with the database bound).
 * Requests that change state are recorded by one hook (audit-hook.ts); logins and token use by the
 * auth code. Entries older than STRATA_AUDIT_RETENTION_DAYS are pruned by the server itself (pruneAudit).
 */
import type { AuditEntry, AuditQuery } from '@strata/contract';
import type { Db } from '../db/database.js';

export interface AuditInput {
  action: string;
  user?: string | null;
  via?: AuditEntry['via'];
  /** The client address; what the server noticed itself says 'server'. */
  address?: string;
  method?: string | null;
  route?: string | null;
  targetKind?: string | null;
  targetId?: string | null;
  routeParams?: Record<string, string>;
  /** Stored as bounded plain data with every secret removed (see plainParameters). */
  parameters?: unknown;
  status?: number | null;
  errorCode?: string | null;
}

/** Names that hold secrets wherever they appear in a body: their values are never stored. */
const SECRET_NAME = /pass(word|phrase)|token|secret|api[-_]?key|credential|private[-_]?key|cookie|authorization/i;
export const REMOVED = '[removed]';
/** What one entry's parameters may take, as JSON: anything longer is cut down to a note of its size. */
export const MAX_PARAMETERS = 2 * 1024;
const MAX_STRING = 256;
const MAX_ITEMS = 64;
const MAX_DEPTH = 6;
const NOT_DATA = '[not recorded: not plain data]';

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A bounded copy of plain JSON data: strings, finite numbers, booleans, null, arrays and objects
 * whose prototype is Object's (or none). Anything else — a stream, a Buffer, a request, a class
 * instance — is replaced by a note, never walked: what a route's body holds is not necessarily
 * what the client sent as JSON. Values under secret-sounding names are removed, long strings cut.
 */
export function plainParameters(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string')
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[cut: ${value.length} characters]` : value;
  if (typeof value !== 'object') return NOT_DATA;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_DATA;
    const items = value.slice(0, MAX_ITEMS).map((v: unknown) => plainParameters(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `…[cut: ${value.length} items]`] : items;
  }
  if (!isPlainObject(value)) return NOT_DATA;
  const keys = Object.keys(value);
  const out: Record<string, unknown> = {};
  for (const k of keys.slice(0, MAX_ITEMS)) {
    const v = (value as Record<string, unknown>)[k];
    // A yes or no under a secret's name (revokeTokens) tells nothing secret.
    out[k.slice(0, MAX_STRING)] = SECRET_NAME.test(k) && typeof v !== 'boolean' ? REMOVED : plainParameters(v, depth + 1);
  }
  if (keys.length > MAX_ITEMS) out['…'] = `[cut: ${keys.length} keys]`;
  return out;
}

function storedParameters(parameters: unknown): string | null {
  if (parameters === undefined || parameters === null) return null;
  const text = JSON.stringify(plainParameters(parameters));
  return text.length > MAX_PARAMETERS ? JSON.stringify({ truncated: true, bytes: text.length }) : text;
}

export function recordAudit(db: Db, input: AuditInput): void {
  db.prepare(
    `INSERT INTO audit (at, username, via, address, action, method, route, target_kind, target_id, route_params, parameters, status, error_code)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    new Date().toISOString(),
    input.user ?? null,
    input.via ?? null,
    input.address ?? 'server',
    input.action,
    input.method ?? null,
    input.route ?? null,
    input.targetKind ?? null,
    input.targetId ?? null,
    JSON.stringify(input.routeParams ?? {}),
    storedParameters(input.parameters),
    input.status ?? null,
    input.errorCode ?? null,
  );
}

interface AuditRow {
  id: number;
  at: string;
  username: string | null;
  via: AuditEntry['via'];
  address: string;
  action: string;
  method: string | null;
  route: string | null;
  target_kind: string | null;
  target_id: string | null;
  route_params: string;
  parameters: string | null;
  status: number | null;
  error_code: string | null;
}

/**
 * User and token changes say who got which role or was disabled; a failed login's user name may be
 * a password typed into the wrong field: for admins' eyes only.
 */
const ADMIN_ONLY_PARAMETERS = /^(user|token|login)\./;

export interface AuditFilter extends Omit<AuditQuery, 'limit' | 'before'> {
  /** Viewers and operators see every entry, but not the parameters of user and token changes. */
  admin: boolean;
}

function where(filter: AuditFilter): { sql: string; args: (string | number)[] } {
  const clauses: string[] = [];
  const args: (string | number)[] = [];
  const add = (clause: string, ...values: (string | number)[]) => {
    clauses.push(clause);
    args.push(...values);
  };
  if (filter.user !== undefined) add('username = ?', filter.user);
  if (filter.target !== undefined) add('target_id = ?', filter.target);
  // "vm." selects every VM action; an exact name selects one. LIKE's wildcards are not used.
  if (filter.action?.endsWith('.')) add('substr(action, 1, ?) = ?', filter.action.length, filter.action);
  else if (filter.action !== undefined) add('action = ?', filter.action);
  if (filter.from !== undefined) add('at >= ?', filter.from);
  if (filter.to !== undefined) add('at < ?', filter.to);
  return { sql: clauses.length ? clauses.join(' AND ') : '1', args };
}

const entryOf = (row: AuditRow, admin: boolean): AuditEntry => ({
  id: row.id,
  at: row.at,
  user: row.username,
  via: row.via,
  address: row.address,
  action: row.action,
  method: row.method,
  route: row.route,
  targetKind: row.target_kind,
  targetId: row.target_id,
  routeParams: JSON.parse(row.route_params) as Record<string, string>,
  parameters:
    row.parameters === null || (!admin && ADMIN_ONLY_PARAMETERS.test(row.action)) ? null : (JSON.parse(row.parameters) as unknown),
  status: row.status,
  errorCode: row.error_code,
});

/** Newest first, `limit` entries older than `before`. */
export function queryAudit(
  db: Db,
  filter: AuditFilter,
  limit: number,
  before?: number,
): { entries: AuditEntry[]; nextBefore: number | null } {
  const { sql, args } = where(filter);
  const rows = db
    .prepare(`SELECT * FROM audit WHERE ${sql} AND id < ? ORDER BY id DESC LIMIT ?`)
    .all(...args, before ?? Number.MAX_SAFE_INTEGER, limit) as AuditRow[];
  return { entries: rows.map((r) => entryOf(r, filter.admin)), nextBefore: rows.length === limit ? rows[rows.length - 1]!.id : null };
}

/**
 * Oldest first, in pages: better-sqlite3 runs one statement at a time per connection, so a
 * statement left open while a slow client reads would stall every other request.
 */
export function* exportAudit(db: Db, filter: AuditFilter, pageSize = 500): Generator<AuditEntry[]> {
  const { sql, args } = where(filter);
  const page = db.prepare(`SELECT * FROM audit WHERE ${sql} AND id > ? ORDER BY id LIMIT ?`);
  for (let after = 0; ;) {
    const rows = page.all(...args, after, pageSize) as AuditRow[];
    if (rows.length === 0) return;
    yield rows.map((r) => entryOf(r, filter.admin));
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * Removes the entries older than `retentionDays`. The append-only trigger is dropped and put back,
 * from its own stored text, inside one transaction around this one DELETE: no other statement can
 * run in between (one connection, synchronous), and everywhere else DELETE stays refused.
 */
export function pruneAudit(db: Db, retentionDays: number, now = Date.now()): number {
  const cutoff = new Date(now - retentionDays * 24 * 3600 * 1000).toISOString();
  return db.transaction(() => {
    const trigger = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_no_delete'").get() as
      { sql: string } | undefined;
    if (!trigger) throw new Error('the audit log has no append-only trigger: refusing to prune it');
    db.exec('DROP TRIGGER audit_no_delete');
    const removed = db.prepare('DELETE FROM audit WHERE at < ?').run(cutoff).changes;
    db.exec(trigger.sql);
    return removed;
  })();
}
