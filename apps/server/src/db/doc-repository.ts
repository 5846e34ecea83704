import type { Db } from './database.js';

/**
 * Records stored as JSON documents with their id and name as columns: the model grows issue by
 * issue, and a document absorbs new fields without a migration per field. `normalize` fills in
 * the fields that documents written by older versions lack.
 */
export class DocRepository<T extends { id: string; name: string }> {
  constructor(
    private readonly db: Db,
    private readonly table: 'vms' | 'images' | 'jobs' | 'shares',
    private readonly normalize: (stored: T) => T = (stored) => stored,
  ) {}

  /** A damaged row is named, never half-read: acting on a record without its fields could remove what it owns. */
  private parse = (row: { id: string; name: string; doc: string }): T => {
    let stored: unknown;
    try {
      stored = JSON.parse(row.doc);
    } catch {
      throw new Error(
        `${this.table}: the row of ${JSON.stringify(row.id)} is not JSON; restore the database from a backup or remove that row`,
      );
    }
    if (
      typeof stored !== 'object' ||
      stored === null ||
      (stored as { id?: unknown }).id !== row.id ||
      (stored as { name?: unknown }).name !== row.name
    )
      throw new Error(
        `${this.table}: the row of ${JSON.stringify(row.id)} holds no record of that id and name; restore the database from a backup or remove that row`,
      );
    return this.normalize(stored as T);
  };

  list(): T[] {
    return (
      this.db.prepare(`SELECT id, name, doc FROM ${this.table} ORDER BY rowid`).all() as { id: string; name: string; doc: string }[]
    ).map(this.parse);
  }

  get(id: string): T | undefined {
    const row = this.db.prepare(`SELECT id, name, doc FROM ${this.table} WHERE id = ?`).get(id) as
      { id: string; name: string; doc: string } | undefined;
    return row ? this.parse(row) : undefined;
  }

  findByName(name: string): T[] {
    return (
      this.db.prepare(`SELECT id, name, doc FROM ${this.table} WHERE name = ? ORDER BY rowid`).all(name) as {
        id: string;
        name: string;
        doc: string;
      }[]
    ).map(this.parse);
  }

  insert(record: T): void {
    this.db.prepare(`INSERT INTO ${this.table} (id, name, doc) VALUES (?, ?, ?)`).run(record.id, record.name, JSON.stringify(record));
  }

  update(id: string, patch: Partial<T>): T {
    const current = this.get(id);
    if (!current) throw new Error(`${this.table}: no record ${id}`);
    const next = { ...current, ...patch, id };
    this.db.prepare(`UPDATE ${this.table} SET name = ?, doc = ? WHERE id = ?`).run(next.name, JSON.stringify(next), id);
    return next;
  }

  remove(id: string): void {
    this.db.prepare(`DELETE FROM ${this.table} WHERE id = ?`).run(id);
  }
}
