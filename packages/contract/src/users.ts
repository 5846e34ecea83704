import { Type, type Static } from 'typebox';
import { Id } from './common.js';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  ROLE_DESCRIPTIONS,
  TOKEN_NAME_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_PATTERN,
  USERNAME_RULE,
} from './roles.js';

export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], {
  description: Object.entries(ROLE_DESCRIPTIONS)
    .map(([role, what]) => `${role}: ${what}`)
    .join('; '),
});
export type Role = Static<typeof Role>;

const Timestamp = Type.String({ description: 'ISO 8601, UTC' });

export const User = Type.Object({
  id: Id,
  username: Type.String(),
  role: Role,
  /** A disabled user cannot log in, and its sessions and tokens are refused. */
  disabled: Type.Boolean(),
  createdAt: Timestamp,
  lastLoginAt: Type.Union([Timestamp, Type.Null()]),
  /** Tokens this user holds (not revoked). */
  tokenCount: Type.Integer({ minimum: 0 }),
});
export type User = Static<typeof User>;

const Password = Type.String({
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
  errorMessage: { minLength: `must be at least ${PASSWORD_MIN_LENGTH} characters` },
});

export const CreateUserBody = Type.Object(
  {
    username: Type.String({
      minLength: 1,
      maxLength: USERNAME_MAX_LENGTH,
      pattern: USERNAME_PATTERN,
      errorMessage: { pattern: `may hold ${USERNAME_RULE}` },
    }),
    password: Password,
    role: Role,
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

/**
 * Any of role, password, disabled and revokeTokens. A new password ends the user's other sessions;
 * disabling ends all of them; API tokens outlive both unless revokeTokens is true, so an admin who
 * resets a stolen account's password can shut out its tokens in the same step. The last enabled
 * admin can be neither demoted, disabled nor deleted.
 */
export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(Role),
    password: Type.Optional(Password),
    disabled: Type.Optional(Type.Boolean()),
    revokeTokens: Type.Optional(Type.Boolean({ description: 'true: every API token of the user is revoked' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const ApiToken = Type.Object({
  id: Id,
  name: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
});
export type ApiToken = Static<typeof ApiToken>;

export const CreateTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: TOKEN_NAME_MAX_LENGTH }) },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

/** The only time the secret is shown: the server keeps just its hash. Send it as `Authorization: Bearer <token>`. */
export const CreatedToken = Type.Object({
  ...ApiToken.properties,
  token: Type.String({ description: 'shown once; send as Authorization: Bearer <token>' }),
});
export type CreatedToken = Static<typeof CreatedToken>;

export const UserTokenParams = Type.Object({ id: Id, tokenId: Id }, { additionalProperties: false });
export type UserTokenParams = Static<typeof UserTokenParams>;
