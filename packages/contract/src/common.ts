import { Type, type Static } from 'typebox';

export const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'a Strata identifier' });

export const ErrorResponse = Type.Object({
  code: Type.String({ description: 'stable machine-readable code' }),
  message: Type.String({ description: 'what went wrong, for a person' }),
  field: Type.Optional(Type.String({ description: 'the request field at fault, e.g. body.cpu.cores' })),
});
export type ErrorResponse = Static<typeof ErrorResponse>;

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String() });
export type Health = Static<typeof Health>;

/** Error responses every route may give, keyed by status code, for the OpenAPI document. */
export const commonErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  500: ErrorResponse,
} as const;
