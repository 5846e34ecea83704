import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CreateUserBody, Role, UpdateUserBody, User } from '@strata/contract';
import { StrataError, notFound } from '@strata/core';
import type { Db } from '../db/database.js';
import { credentialChanges } from './credential-changes.js';
import { hashPassword, randomToken, verifyPassword } from './passwords.js';

const ADMIN = 'admin';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  disabled: number;
  created_at: string;
  last_login_at: string | null;
}

const newUserId = () => randomBytes(6).toString('hex');
const now = () => new Date().toISOString();

/**
 * The admin account: STRATA_ADMIN_PASSWORD sets its password at every start (and makes it again,
 * as an admin, if it was deleted); without it, the very first start generates one, prints it once
 * and leaves it in <data>/initial-admin-password (mode 0600).
 */
export function ensureAdmin(db: Db, dataDir: string, configured: string | null, print: (m: string) => void): void {
  const exists = findUserByName(db, ADMIN);
  if (configured) {
    if (exists && verifyPassword(configured, exists.password_hash)) return;
    if (exists) db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hashPassword(configured), exists.id);
    else insertUser(db, ADMIN, configured, 'admin');
    // A new password is how an admin shuts out whoever learnt the old one: their sessions end too.
    db.prepare('DELETE FROM sessions WHERE username = ?').run(ADMIN);
    return;
  }
  const anyone = db.prepare('SELECT 1 FROM users LIMIT 1').get();
  if (anyone) return;
  const password = randomToken(15);
  insertUser(db, ADMIN, password, 'admin');
  const file = join(dataDir, 'initial-admin-password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  print(`first start: the admin password is ${password} (also in ${file})`);
}

function insertUser(db: Db, username: string, password: string, role: Role): string {
  const id = newUserId();
  db.prepare('INSERT INTO users (id, username, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)').run(
    id,
    username,
    hashPassword(password),
    role,
    now(),
  );
  return id;
}

export const findUserByName = (db: Db, username: string): UserRow | undefined =>
  db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;

export const findUserById = (db: Db, id: string): UserRow | undefined =>
  db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;

/** An unknown user costs the same scrypt as a known one, so timing does not tell which names exist. */
export function checkCredentials(db: Db, username: string, password: string): UserRow | undefined {
  const row = findUserByName(db, username);
  const ok = verifyPassword(password, row?.password_hash ?? 'scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAA');
  if (!row || !ok || row.disabled) return undefined;
  db.prepare('UPDATE users SET last_login_at = ? WHERE id = ?').run(now(), row.id);
  return row;
}

const view = (db: Db, row: UserRow): User => ({
  id: row.id,
  username: row.username,
  role: row.role,
  disabled: row.disabled !== 0,
  createdAt: row.created_at,
  lastLoginAt: row.last_login_at,
  tokenCount: (db.prepare('SELECT count(*) AS n FROM api_tokens WHERE user_id = ?').get(row.id) as { n: number }).n,
});

export function listUsers(db: Db): User[] {
  return (db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map((r) => view(db, r));
}

export function getUser(db: Db, id: string): User {
  const row = findUserById(db, id);
  if (!row) throw notFound('user', id);
  return view(db, row);
}

export function createUser(db: Db, body: CreateUserBody): User {
  if (findUserByName(db, body.username)) {
    throw new StrataError('conflict', 'user_exists', `a user named ${body.username} exists already`, 'body.username');
  }
  return getUser(db, insertUser(db, body.username, body.password, body.role));
}

/** Enabled admins other than `id`: the server must always keep one who can manage users. */
const otherAdmins = (db: Db, id: string): number =>
  (db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?").get(id) as { n: number }).n;

function assertNotLastAdmin(db: Db, row: UserRow, what: string): void {
  if (row.role === 'admin' && !row.disabled && otherAdmins(db, row.id) === 0) {
    throw new StrataError('conflict', 'last_admin', `${row.username} is the last admin: make another admin before you ${what}`);
  }
}

/**
 * A new password ends the user's sessions except `keepSession` (the one making the change, when it
 * is the user's own); disabling ends them all and shuts out the user's tokens while disabled;
 * revokeTokens removes the tokens for good.
 */
export function updateUser(
  db: Db,
  id: string,
  body: UpdateUserBody,
  keepSession: string | null,
  onRevoked: (count: number) => void = () => undefined,
): User {
  const user = db.transaction(() => {
    const row = findUserById(db, id);
    if (!row) throw notFound('user', id);
    if (body.role !== undefined && body.role !== 'admin') assertNotLastAdmin(db, row, 'change its role');
    if (body.disabled === true) assertNotLastAdmin(db, row, 'disable it');
    if (body.role !== undefined) db.prepare('UPDATE users SET role = ? WHERE id = ?').run(body.role, id);
    if (body.disabled !== undefined) db.prepare('UPDATE users SET disabled = ? WHERE id = ?').run(body.disabled ? 1 : 0, id);
    if (body.password !== undefined) {
      db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hashPassword(body.password), id);
      db.prepare('DELETE FROM sessions WHERE username = ? AND token_hash IS NOT ?').run(row.username, keepSession);
    }
    if (body.disabled === true) db.prepare('DELETE FROM sessions WHERE username = ?').run(row.username);
    if (body.revokeTokens === true) onRevoked(db.prepare('DELETE FROM api_tokens WHERE user_id = ?').run(id).changes);
    return getUser(db, id);
  })();
  credentialChanges.notify();
  return user;
}

/** Its sessions end and its tokens go with it (the tokens' foreign key cascades). */
export function deleteUser(db: Db, id: string): UserRow {
  const deleted = db.transaction(() => {
    const row = findUserById(db, id);
    if (!row) throw notFound('user', id);
    assertNotLastAdmin(db, row, 'delete it');
    db.prepare('DELETE FROM sessions WHERE username = ?').run(row.username);
    db.prepare('DELETE FROM users WHERE id = ?').run(id);
    return row;
  })();
  credentialChanges.notify();
  return deleted;
}
