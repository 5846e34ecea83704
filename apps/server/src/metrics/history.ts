import type Database from 'better-sqlite3';

const RESOLUTIONS = [
  { res: 1000, keepMs: 3600_000 },
  { res: 60_000, keepMs: 86_400_000 },
  { res: 600_000, keepMs: 30 * 86_400_000 },
] as const;

/**
 * Samples in SQLite, downsampled: every second for the last hour, per minute for a day, per ten
 * minutes for the retention (30 days by default). Each coarser level averages the finer one.
 */
export function createHistory(db: Database.Database, retentionMs = RESOLUTIONS[2].keepMs) {
  const insert = db.prepare('INSERT OR REPLACE INTO metric_points (vm, series, res, ts, value) VALUES (?, ?, ?, ?, ?)');
  const rollup = db.prepare(`INSERT OR REPLACE INTO metric_points (vm, series, res, ts, value)
    SELECT vm, series, @to, ts - ts % CAST(@to AS INTEGER) AS bucket, AVG(value) FROM metric_points
    WHERE res = @from AND ts >= @start AND ts < @end GROUP BY vm, series, bucket`);
  const prune = db.prepare('DELETE FROM metric_points WHERE res = ? AND ts < ?');
  const query = db.prepare(
    'SELECT ts, value FROM metric_points WHERE vm = ? AND series = ? AND res = ? AND ts >= ? AND ts <= ? ORDER BY ts',
  );
  // Every byte-rate series of one kind (disk.* or share.*) of one VM, summed per second: a list row's trend.
  const sumRates = db.prepare(`SELECT ts, SUM(value) AS value FROM metric_points
    WHERE vm = ? AND series >= ? AND series < ? AND res = 1000 AND ts >= ? AND ts <= ? AND substr(series, -4) = '_bps'
    GROUP BY ts ORDER BY ts`);
  const keep = (res: number) => (res === 600_000 ? retentionMs : RESOLUTIONS.find((r) => r.res === res)!.keepMs);
  let rolledTo = { 60_000: 0, 600_000: 0 } as Record<number, number>;

  const record = db.transaction((vm: string, ts: number, series: [string, number][]) => {
    const second = Math.floor(ts / 1000) * 1000;
    for (const [name, value] of series) if (Number.isFinite(value)) insert.run(vm, name, 1000, second, value);
  });

  /** Averages each finished minute and ten-minute bucket into the coarser level, and drops what is too old. */
  const maintain = db.transaction((now: number) => {
    for (const [from, to] of [
      [1000, 60_000],
      [60_000, 600_000],
    ] as const) {
      const end = Math.floor(now / to) * to;
      const start = rolledTo[to] || end - keep(from);
      if (end > start) rollup.run({ from, to, start, end });
      rolledTo = { ...rolledTo, [to]: end };
    }
    for (const { res } of RESOLUTIONS) prune.run(res, now - keep(res));
  });

  return {
    record,
    maintain,
    /** The finest resolution that still covers `from`. */
    query(vm: string, series: string, from: number, to: number, now = Date.now()): { resolutionMs: number; points: [number, number][] } {
      const age = now - from;
      const level = RESOLUTIONS.find((r) => age <= r.keepMs) ?? RESOLUTIONS[2];
      const rows = query.all(vm, series, level.res, from, to) as { ts: number; value: number }[];
      return { resolutionMs: level.res, points: rows.map((r) => [r.ts, r.value]) };
    },
    /** Read plus write bytes per second of all of a VM's disks (or shares), per second, within the last hour. */
    sumRates(vm: string, kind: 'disk' | 'share', from: number, to: number): [number, number][] {
      // '/' follows '.' in ASCII: the range holds exactly the names that start with `${kind}.`.
      const rows = sumRates.all(vm, `${kind}.`, `${kind}/`, from, to) as { ts: number; value: number }[];
      return rows.map((r) => [r.ts, r.value]);
    },
  };
}

export type History = ReturnType<typeof createHistory>;
