import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

export type JournalRead<T> = { ok: true; journal: T } | { ok: false; reason: string };

/** The value a JSON pointer (`/stamp/mtime`) names inside `raw`. */
function valueAt(raw: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), raw);
}

/** The first fault, in words: a choice of constants is listed rather than called "anyOf". */
function firstFault(schema: TSchema, raw: unknown): string {
  const errors = Value.Errors(schema, raw);
  const path = errors[0]?.instancePath;
  if (path === undefined) return 'it is not an object';
  const atPath = errors.filter((e) => e.instancePath === path);
  const choices = atPath.flatMap((e) => (e.keyword === 'const' ? [String(e.params.allowedValue)] : []));
  if (choices.length > 1) return `${path} is ${JSON.stringify(valueAt(raw, path))}, not one of ${choices.join(', ')}`;
  return `${path || 'the journal'} ${atPath.at(-1)!.message}`;
}

/**
 * A job's journal as read back from its record after a restart, checked against the schema the
 * writer used. A journal that fails the check is named with its first fault, never acted on.
 */
export function readJournal<S extends TSchema>(what: string, schema: S, raw: unknown): JournalRead<Static<S>> {
  if (Value.Check(schema, raw)) return { ok: true, journal: raw };
  return {
    ok: false,
    reason: `the ${what} journal is not one this server writes (${firstFault(schema, raw)}); nothing was done, so check the files it names by hand`,
  };
}
