import type { AuditEntry } from '@strata/contract';

/** What the Activity filters hold, as typed: times are the browser's local "YYYY-MM-DDTHH:MM". */
export interface AuditFilter {
  user?: string;
  target?: string;
  action?: string;
  from?: string;
  to?: string;
}

/** A datetime-local value as the ISO instant the server compares with; null when it is not a time. */
export function localToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Why the time range cannot be asked for, in words, or null when it can. */
export function rangeProblem(filter: AuditFilter): string | null {
  const from = filter.from ? localToIso(filter.from) : undefined;
  const to = filter.to ? localToIso(filter.to) : undefined;
  if (from === null) return 'From is not a date and time.';
  if (to === null) return 'To is not a date and time.';
  if (from && to && from >= to) return 'From must be before To.';
  return null;
}

/**
 * The query string for GET /audit (and its export): empty fields are left out, text is trimmed,
 * times become ISO instants. A time that is not one is left out too (the form says why).
 */
export function auditSearch(filter: AuditFilter, page: { limit?: number; before?: number }): string {
  const q = new URLSearchParams();
  for (const key of ['user', 'target', 'action'] as const) {
    const v = filter[key]?.trim();
    if (v) q.set(key, v);
  }
  for (const key of ['from', 'to'] as const) {
    const v = filter[key] ? localToIso(filter[key]) : null;
    if (v) q.set(key, v);
  }
  if (page.limit !== undefined) q.set('limit', String(page.limit));
  if (page.before !== undefined) q.set('before', String(page.before));
  return q.toString();
}

/** How a request ended, for the Outcome column: "OK" or "Refused: 403 forbidden". */
export function outcomeText(entry: Pick<AuditEntry, 'status' | 'errorCode'>): { ok: boolean; text: string } {
  // No status: the server noticed it itself (a VM crashed, say); nobody asked, nothing was refused.
  if (entry.status === null)
    return { ok: entry.errorCode === null, text: entry.errorCode ? entry.errorCode.replace(/_/g, ' ') : 'Noticed' };
  if (entry.status < 400) return { ok: true, text: 'OK' };
  const kind = entry.status >= 500 ? 'Failed' : 'Refused';
  return { ok: false, text: `${kind}: ${entry.status}${entry.errorCode ? ` ${entry.errorCode.replace(/_/g, ' ')}` : ''}` };
}

/** Who, in words: a token's use says so, and nobody signed in reads as such. */
export function actorText(entry: Pick<AuditEntry, 'user' | 'via'>): string {
  const who = entry.user ?? 'nobody signed in';
  if (entry.via === 'token') return `${who} (API token)`;
  if (entry.via === 'env-token') return `${who} (server API token)`;
  return who;
}
