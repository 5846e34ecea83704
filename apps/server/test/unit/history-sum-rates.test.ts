import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { createHistory } from '../../src/metrics/history.js';

describe("a VM's summed I/O trend from history", () => {
  it('adds read and write bytes per second of every disk (or share) per second, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-trend-'));
    const db: Database.Database = openDatabase(join(dir, 'h.db'));
    try {
      const history = createHistory(db);
      const t = Math.floor(Date.now() / 1000) * 1000 - 10_000;
      history.record('vm1', t, [
        ['disk.disk0.read_bps', 1],
        ['disk.disk0.write_bps', 2],
        ['disk.disk1.write_bps', 4],
        ['disk.disk0.read_iops', 1000],
        ['share.docs.write_bps', 8],
        ['rss', 1e9],
      ]);
      history.record('vm1', t + 1000, [['share.docs.read_bps', 16]]);
      history.record('vm2', t, [['disk.disk0.write_bps', 32]]);
      history.record('vm1', t - 120_000, [['disk.disk0.write_bps', 64]]); // before the window
      expect(history.sumRates('vm1', 'disk', t - 60_000, t + 5000)).toEqual([[t, 7]]);
      expect(history.sumRates('vm1', 'share', t - 60_000, t + 5000)).toEqual([
        [t, 8],
        [t + 1000, 16],
      ]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
