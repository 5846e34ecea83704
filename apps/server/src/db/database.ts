import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Each entry is one migration, applied once, in order; never edit one that has shipped. */
const migrations: string[] = [
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
     created_at TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE TABLE images (id TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL);
   CREATE TABLE vms (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);`,
  `CREATE TABLE jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL);`,
  `CREATE TABLE shares (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);`,
  `CREATE TABLE metric_points (vm TEXT NOT NULL, series TEXT NOT NULL, res INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
     PRIMARY KEY (vm, series, res, ts)) WITHOUT ROWID;`,
  // Nothing ever read or wrote settings; databases made before this drop the empty table.
  `DROP TABLE IF EXISTS settings;`,
  // Users get an id and a role (everyone there before roles was the admin), and their own API tokens.
  `CREATE TABLE users_v2 (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')), disabled INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL, last_login_at TEXT);
   INSERT INTO users_v2 (id, username, password_hash, role, created_at)
     SELECT lower(hex(randomblob(6))), username, password_hash, 'admin', created_at FROM users;
   DROP TABLE users;
   ALTER TABLE users_v2 RENAME TO users;
   CREATE TABLE api_tokens (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, last_used_at TEXT);`,
  // The audit log is append-only: the database itself refuses to change or remove an entry.
  `CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, username TEXT, via TEXT,
     address TEXT NOT NULL, action TEXT NOT NULL, method TEXT, route TEXT, target_kind TEXT, target_id TEXT,
     route_params TEXT NOT NULL, parameters TEXT, status INTEGER, error_code TEXT);
   CREATE INDEX audit_by_user ON audit (username, id);
   CREATE INDEX audit_by_target ON audit (target_id, id);
   CREATE INDEX audit_by_action ON audit (action, id);
   CREATE INDEX audit_by_time ON audit (at);
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;`,
  // What Strata keeps about the host between runs: the boot id it last ran under (autostart after a boot).
  `CREATE TABLE host_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
