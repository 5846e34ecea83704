export type ErrorKind = 'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable';

const statusOf: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

/** An error meant for the user: a stable code, a human message, and the request field at fault. */
export class StrataError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.status = statusOf[kind];
  }
}

export const invalid = (field: string, message: string, code = 'invalid_input') => new StrataError('invalid', code, message, field);
export const notFound = (what: string, id: string) => new StrataError('not_found', `${what}_not_found`, `no ${what} with id '${id}'`);
export const conflict = (code: string, message: string) => new StrataError('conflict', code, message);

/** How often core tries again to attach to a VM whose process runs but refused a reattach. */
export const REATTACH_RETRY_MS = 10_000;

/** Refuses an action on a VM whose process runs but is not Strata's to control until a reattach succeeds. */
export const notAttached = (vm: { name: string }, reason: string) =>
  conflict(
    'not_attached',
    `Strata could not attach to VM '${vm.name}' (${reason}); it tries again every ${REATTACH_RETRY_MS / 1000} s, and at the next server start`,
  );

/** A tool's own last word on why it refused, without the "exited with N" wrapping. */
export const toolMessage = (err: unknown): string => {
  const lines = String(err instanceof Error ? err.message : err)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.at(-1) ?? 'no reason given').replace(/^.*? exited with \d+: /, '');
};
