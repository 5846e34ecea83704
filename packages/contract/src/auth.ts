import { Type, type Static } from 'typebox';
import { Role } from './users.js';

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, default: 'admin' }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const Session = Type.Object({
  username: Type.String(),
  /** What the signed-in user may do: the web hides what the role cannot use. */
  role: Role,
  csrfToken: Type.String({ description: 'send back as the x-csrf-token header on mutating requests' }),
});
export type Session = Static<typeof Session>;
