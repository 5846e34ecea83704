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
