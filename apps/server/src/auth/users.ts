import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/database.js';
import { hashPassword, randomToken, verifyPassword } from './passwords.js';

const ADMIN = 'admin';

/**
 * The admin account: STRATA_ADMIN_PASSWORD sets its password at every start; without it, the first
 * start generates one, prints it once and leaves it in <data>/initial-admin-password (mode 0600).
 */
export function ensureAdmin(db: Db, dataDir: string, configured: string | null, print: (m: string) => void): void {
  const exists = db.prepare('SELECT password_hash FROM users WHERE username = ?').get(ADMIN) as { password_hash: string } | undefined;
  if (configured) {
    if (exists && verifyPassword(configured, exists.password_hash)) return;
    db.prepare(
      `INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)
      ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash`,
    ).run(ADMIN, hashPassword(configured), new Date().toISOString());
    // A new password is how an admin shuts out whoever learnt the old one: their sessions end too.
    db.prepare('DELETE FROM sessions WHERE username = ?').run(ADMIN);
    return;
  }
  if (exists) return;
  const password = randomToken(15);
  db.prepare('INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)').run(
    ADMIN,
    hashPassword(password),
    new Date().toISOString(),
  );
  const file = join(dataDir, 'initial-admin-password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  print(`first start: the admin password is ${password} (also in ${file})`);
}

export function checkCredentials(db: Db, username: string, password: string): boolean {
  const row = db.prepare('SELECT password_hash FROM users WHERE username = ?').get(username) as { password_hash: string } | undefined;
  return row ? verifyPassword(password, row.password_hash) : verifyPassword(password, 'scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAA');
}
