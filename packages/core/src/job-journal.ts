import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

export type JournalRead<T> = { ok: true; journal: T } | { ok: false; reason: string };

/**
 * A job's journal as read back from its record after a restart, checked against the schema the
 * writer used. A journal that fails the check is named with its first fault, never acted on.
 */
export function readJournal<S extends TSchema>(what: string, schema: S, raw: unknown): JournalRead<Static<S>> {
  if (Value.Check(schema, raw)) return { ok: true, journal: raw };
  // A union reports each member's miss before its own summary: the last error of a path says it best.
  const errors = Value.Errors(schema, raw);
  const first = errors.filter((e) => e.instancePath === errors[0]?.instancePath).at(-1);
  const fault = first ? `${first.instancePath || 'the journal'} ${first.message}` : 'it is not an object';
  return {
    ok: false,
    reason: `the ${what} journal is not one this server writes (${fault}); nothing was done, so check the files it names by hand`,
  };
}
