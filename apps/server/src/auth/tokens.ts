import { createHash, randomBytes } from 'node:crypto';
import type { ApiToken, CreatedToken } from '@strata/contract';
import { notFound } from '@strata/core';
import type { Db } from '../db/database.js';
import { credentialChanges } from './credential-changes.js';
import { randomToken } from './passwords.js';
import type { UserRow } from './users.js';

/** A prefix that says what the secret is, should one turn up in a log or a paste. */
const PREFIX = 'strata_';

/** Only a hash is stored: a copy of the database holds no usable token. */
const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** How often a token's use is written down (last used time and the audit log), at most. */
export const TOKEN_USE_INTERVAL_MS = 60_000;

interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

const view = (row: TokenRow): ApiToken => ({ id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at });

export function createToken(db: Db, userId: string, name: string): CreatedToken {
  const token = `${PREFIX}${randomToken()}`;
  const row: TokenRow = {
    id: randomBytes(6).toString('hex'),
    user_id: userId,
    name,
    created_at: new Date().toISOString(),
    last_used_at: null,
  };
  db.prepare('INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(
    row.id,
    userId,
    name,
    digest(token),
    row.created_at,
  );
  return { ...view(row), token };
}

export function listTokens(db: Db, userId: string): ApiToken[] {
  return (db.prepare('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at, id').all(userId) as TokenRow[]).map(view);
}

export function revokeToken(db: Db, userId: string, tokenId: string): ApiToken {
  const row = db.prepare('SELECT * FROM api_tokens WHERE id = ? AND user_id = ?').get(tokenId, userId) as TokenRow | undefined;
  if (!row) throw notFound('token', tokenId);
  db.prepare('DELETE FROM api_tokens WHERE id = ?').run(tokenId);
  credentialChanges.notify();
  return view(row);
}

export interface TokenHolder {
  tokenId: string;
  tokenName: string;
  user: UserRow;
  /** True when this use is the first in TOKEN_USE_INTERVAL_MS: the caller writes it down. */
  noteworthy: boolean;
}

/** The token's live holder: a revoked token, or one whose user is gone or disabled, opens nothing. */
export function findTokenHolder(db: Db, token: string, now = Date.now(), noteUse = true): TokenHolder | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  const row = db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?').get(digest(token)) as TokenRow | undefined;
  if (!row) return undefined;
  const user = db.prepare('SELECT * FROM users WHERE id = ?').get(row.user_id) as UserRow | undefined;
  if (!user || user.disabled) return undefined;
  const noteworthy = noteUse && (row.last_used_at === null || now - Date.parse(row.last_used_at) >= TOKEN_USE_INTERVAL_MS);
  if (noteworthy) db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(new Date(now).toISOString(), row.id);
  return { tokenId: row.id, tokenName: row.name, user, noteworthy };
}
