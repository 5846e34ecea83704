import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { checkCredentials } from '../../src/auth/users.js';
import { hashPassword } from '../../src/auth/passwords.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the users migration', () => {
  it('makes everyone from before roles an admin with an id, keeping passwords and sessions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-users-migration-'));
    dirs.push(dir);
    const path = join(dir, 'strata.db');
    // The schema as the release before roles left it (migrations 1 to 5).
    const old = new Database(path);
    old.exec(`CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE images (id TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE TABLE vms (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
      CREATE TABLE jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE TABLE shares (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
      CREATE TABLE metric_points (vm TEXT NOT NULL, series TEXT NOT NULL, res INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
        PRIMARY KEY (vm, series, res, ts)) WITHOUT ROWID;`);
    old.prepare('INSERT INTO users VALUES (?, ?, ?)').run('admin', hashPassword('old-password'), '2026-01-01T00:00:00.000Z');
    old.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?, ?)').run('h', 'admin', 'c', '2026-01-01T00:00:00.000Z', Date.now() + 60_000);
    old.pragma('user_version = 5');
    old.close();

    const db = openDatabase(path);
    try {
      const user = checkCredentials(db, 'admin', 'old-password');
      expect(user).toMatchObject({ username: 'admin', role: 'admin', disabled: 0, created_at: '2026-01-01T00:00:00.000Z' });
      expect(user!.id).toMatch(/^[0-9a-f]{12}$/);
      expect(db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 1 });
      expect(() => db.prepare("UPDATE users SET role = 'root'").run()).toThrow(/CHECK constraint/);
    } finally {
      db.close();
    }
  });
});
