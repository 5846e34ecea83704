import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { credentialChanges } from './credential-changes.js';
import { randomToken } from './passwords.js';

export const SESSION_COOKIE = 'strata_session';
const LIFETIME_MS = 7 * 24 * 3600 * 1000;

export interface SessionInfo {
  username: string;
  csrf: string;
}

/** Only a hash of the token is stored, so a copy of the database opens no session. */
const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export function createSession(db: Db, username: string): { token: string; csrf: string; maxAgeSeconds: number } {
  const token = randomToken();
  const csrf = randomToken();
  db.prepare('INSERT INTO sessions (token_hash, username, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
    digest(token),
    username,
    csrf,
    new Date().toISOString(),
    Date.now() + LIFETIME_MS,
  );
  return { token, csrf, maxAgeSeconds: LIFETIME_MS / 1000 };
}

export function findSession(db: Db, token: string): SessionInfo | undefined {
  const row = db.prepare('SELECT username, csrf, expires_at FROM sessions WHERE token_hash = ?').get(digest(token)) as
    { username: string; csrf: string; expires_at: number } | undefined;
  if (!row || row.expires_at < Date.now()) return undefined;
  return { username: row.username, csrf: row.csrf };
}

export function deleteSession(db: Db, token: string): void {
  // Only a session that really ended wakes the open connections: a made-up cookie costs nothing.
  if (db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(digest(token)).changes > 0) credentialChanges.notify();
}

export function pruneSessions(db: Db): void {
  db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(Date.now());
}

/** The stored form of a session cookie: lets a password change keep the session that made it. */
export const sessionHash = digest;
