// Plain values, no TypeBox: the web imports this module on its own (@strata/contract/roles) to
// show or hide what a role may do, with the same order the server enforces.

/** Least to most: each role may do everything the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type RoleName = (typeof ROLES)[number];

/** True when `held` is at least `needed` (an operator may do what a viewer may). */
export const roleAtLeast = (held: RoleName, needed: RoleName): boolean => ROLES.indexOf(held) >= ROLES.indexOf(needed);

export const ROLE_DESCRIPTIONS: Record<RoleName, string> = {
  viewer: 'sees everything, changes nothing; consoles are read-only',
  operator: 'runs VMs, images, shares, jobs and benchmarks; cannot manage users',
  admin: 'everything, users and their tokens included',
};

export const USERNAME_PATTERN = '^[a-z][a-z0-9._-]*$';
export const USERNAME_MAX_LENGTH = 32;
export const USERNAME_RULE = 'lower-case letters, digits, dot, dash and underscore; starts with a letter';

/** New passwords; the admin password set through STRATA_ADMIN_PASSWORD is not held to it. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export const TOKEN_NAME_MAX_LENGTH = 64;
