import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { createHistory } from '../../src/metrics/history.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('metrics history in SQLite, downsampled', () => {
  it('keeps seconds for an hour, averages them into minutes and ten minutes, and drops what is too old', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-history-'));
    const db: Database.Database = openDatabase(join(dir, 'h.db'));
    try {
      const history = createHistory(db);
      const now = Math.floor(Date.now() / 600_000) * 600_000;
      // Two minutes of samples, 10 then 30, ending 5 minutes ago.
      const start = now - 7 * 60_000;
      for (let t = start; t < start + 120_000; t += 1000)
        history.record('vm1', t, [['disk.disk0.write_bps', t < start + 60_000 ? 10 : 30]]);
      history.record('vm1', now - 2 * 3600_000, [['disk.disk0.write_bps', 99]]); // too old for the 1 s level
      history.maintain(now);
      const seconds = history.query('vm1', 'disk.disk0.write_bps', now - 3600_000, now, now);
      expect(seconds.resolutionMs).toBe(1000);
      expect(seconds.points).toHaveLength(120);
      const minutes = history.query('vm1', 'disk.disk0.write_bps', now - 20 * 3600_000, now, now);
      expect(minutes.resolutionMs).toBe(60_000);
      expect(minutes.points.map((p) => p[1])).toEqual([10, 30]);
      const tens = history.query('vm1', 'disk.disk0.write_bps', now - 3 * 86_400_000, now, now);
      expect(tens.resolutionMs).toBe(600_000);
      expect(tens.points.map((p) => p[1])).toEqual([20]);
      expect(history.query('vm1', 'disk.disk0.write_bps', now - 3 * 3600_000, now - 3600_000 - 1000, now).points).toEqual([]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
