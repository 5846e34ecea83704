import type { BenchmarkRun } from '@strata/contract';
import type { Db } from './database.js';

/**
 * Benchmark runs, newest first, each a JSON document (cells and host facts grow with the feature).
 * The table is made here, not as a numbered migration: it depends on no other table, and an
 * `IF NOT EXISTS` keeps it independent of the order other features add their migrations in.
 */
export function benchmarkRepository(db: Db) {
  db.exec(`CREATE TABLE IF NOT EXISTS benchmark_runs (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, state TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS benchmark_runs_by_time ON benchmark_runs (created_at);`);
  const insert = db.prepare('INSERT INTO benchmark_runs (id, created_at, state, doc) VALUES (?, ?, ?, ?)');
  const save = db.prepare('UPDATE benchmark_runs SET state = ?, doc = ? WHERE id = ?');
  const one = db.prepare('SELECT doc FROM benchmark_runs WHERE id = ?');
  const all = db.prepare('SELECT doc FROM benchmark_runs ORDER BY created_at DESC, rowid DESC LIMIT ?');
  const unfinished = db.prepare("SELECT doc FROM benchmark_runs WHERE state IN ('queued', 'running')");
  const parse = (row: unknown) => JSON.parse((row as { doc: string }).doc) as BenchmarkRun;
  return {
    insert: (run: BenchmarkRun) => void insert.run(run.id, run.createdAt, run.state, JSON.stringify(run)),
    save: (run: BenchmarkRun) => void save.run(run.state, JSON.stringify(run), run.id),
    get: (id: string): BenchmarkRun | undefined => {
      const row = one.get(id);
      return row ? parse(row) : undefined;
    },
    list: (limit = 200): BenchmarkRun[] => all.all(limit).map(parse),
    unfinished: (): BenchmarkRun[] => unfinished.all().map(parse),
  };
}

export type BenchmarkRepository = ReturnType<typeof benchmarkRepository>;
