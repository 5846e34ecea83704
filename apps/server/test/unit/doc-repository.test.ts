import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { jobRepository } from '../../src/db/repositories.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function database() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-doc-repo-'));
  dirs.push(dir);
  return openDatabase(join(dir, 'strata.db'));
}

describe('a damaged record row', () => {
  it.each([
    ['null', /"j1" holds no record of that id and name/],
    ['{"id":"other","name":"x"}', /"j1" holds no record of that id and name/],
    ['7', /"j1" holds no record of that id and name/],
    ['{"id":"j1"}', /"j1" holds no record of that id and name/],
    ['{"id":"j1","name":"other"}', /"j1" holds no record of that id and name/],
    ['{not json', /"j1" is not JSON/],
  ])('holding %s is named by table and id, never read as a record', (doc, reason) => {
    const db = database();
    db.prepare('INSERT INTO jobs (id, name, doc) VALUES (?, ?, ?)').run('j1', 'x', doc);
    const jobs = jobRepository(db);
    expect(() => jobs.list()).toThrow(reason);
    expect(() => jobs.list()).toThrow(/^jobs: /);
    expect(() => jobs.get('j1')).toThrow(reason);
    db.close();
  });

  it('leaves whole rows as they were', () => {
    const db = database();
    db.prepare('INSERT INTO jobs (id, name, doc) VALUES (?, ?, ?)').run('j2', 'ok', '{"id":"j2","name":"ok","state":"succeeded"}');
    expect(jobRepository(db).list()).toEqual([{ id: 'j2', name: 'ok', state: 'succeeded' }]);
    db.close();
  });
});
