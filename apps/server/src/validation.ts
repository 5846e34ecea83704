import { Ajv, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

// verbose: an error carries the schema it failed, so a schema's own `errorMessage` can be answered.
const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false, verbose: true };

/**
 * JSON bodies are checked as they are: `"name": true` or `"lazyRefcounts": 0` is refused, never
 * turned into the string "true" or false. Query strings, path parameters and headers are text by
 * nature, so there numbers and booleans are parsed from it (and a lone value becomes an array).
 */
export function jsonValidators(): FastifySchemaCompiler<unknown> {
  const strict = new Ajv({ ...common, coerceTypes: false });
  const fromText = new Ajv({ ...common, coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : fromText).compile(schema as object);
}
