import { Type, type Static } from 'typebox';

/**
 * One recorded change or sign-in. The log is append-only: no route edits or deletes an entry, and
 * the database refuses it too. It is kept for as long as the data directory lives.
 */
export const AuditEntry = Type.Object({
  id: Type.Integer({ description: 'grows with time; page with ?before=<id>' }),
  at: Type.String({ description: 'ISO 8601, UTC' }),
  /** Who acted; null when no one was signed in (a failed login names its attempted user in `parameters`). */
  user: Type.Union([Type.String(), Type.Null()]),
  via: Type.Union([Type.Literal('session'), Type.Literal('token'), Type.Literal('env-token'), Type.Null()], {
    description: 'env-token: the STRATA_API_TOKEN of the server configuration',
  }),
  address: Type.String({ description: 'the client address' }),
  action: Type.String({ description: 'e.g. vm.create, vm.start, image.merge, share.attach, login, login.failed, token.use, user.update' }),
  method: Type.Union([Type.String(), Type.Null()]),
  /** The route pattern that matched, e.g. /api/v1/vms/:id/start. */
  route: Type.Union([Type.String(), Type.Null()]),
  targetKind: Type.Union([Type.String(), Type.Null()], { description: 'vm, image, share, job, user, benchmark, ...' }),
  targetId: Type.Union([Type.String(), Type.Null()]),
  /** Every path parameter of the request, e.g. {id, tag}. */
  routeParams: Type.Record(Type.String(), Type.String()),
  /**
   * The request body with every secret replaced by "[removed]" (password, token, anything named
   * *secret*, *password*, *token*). Null when there was none, or when a non-admin reads a user or
   * token change.
   */
  parameters: Type.Unknown(),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'the HTTP status answered; null for what the server itself noticed' }),
  errorCode: Type.Union([Type.String(), Type.Null()]),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AUDIT_PAGE_MAX = 1000;

const ISO_TIME = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$';
const ISO_RULE = 'must be a date (2026-01-31) or an ISO 8601 time with its zone (2026-01-31T08:00:00Z)';

export const AuditQuery = Type.Object(
  {
    user: Type.Optional(Type.String({ maxLength: 64, description: 'exact user name' })),
    target: Type.Optional(Type.String({ maxLength: 64, description: 'exact target id' })),
    action: Type.Optional(Type.String({ maxLength: 64, description: 'exact action, or a prefix ending in a dot: vm.' })),
    from: Type.Optional(Type.String({ pattern: ISO_TIME, errorMessage: { pattern: ISO_RULE }, description: 'entries at or after' })),
    to: Type.Optional(Type.String({ pattern: ISO_TIME, errorMessage: { pattern: ISO_RULE }, description: 'entries before' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: 100 })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'entries with a smaller id (the next page)' })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

/** Newest first; `nextBefore` fetches the following page, null at the end. */
export const AuditPage = Type.Object({
  entries: Type.Array(AuditEntry),
  nextBefore: Type.Union([Type.Integer(), Type.Null()]),
});
export type AuditPage = Static<typeof AuditPage>;
