import { mkdtempSync, rmSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { MAX_PARAMETERS, plainParameters, pruneAudit, queryAudit, recordAudit } from '../../src/audit/audit-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const freshDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-audit-storage-'));
  dirs.push(dir);
  return openDatabase(join(dir, 'strata.db'));
};

describe('what the audit log stores as parameters', () => {
  it('never walks a request, a stream, a Buffer or a class instance, wherever it sits', () => {
    const req = new IncomingMessage(new Socket());
    req.headers = { authorization: 'Bearer strata_secret', cookie: 'strata_session=abc' };
    req.rawHeaders = ['Authorization', 'Bearer strata_secret', 'Cookie', 'strata_session=abc', 'x-csrf-token', 'csrf-value'];
    class Thing {
      note = 'csrf-value';
    }
    const stored = JSON.stringify(
      plainParameters({
        body: req,
        stream: Readable.from(['x']),
        bytes: Buffer.from('csrf-value'),
        thing: new Thing(),
        list: [req],
        name: 'ok',
      }),
    );
    for (const secret of ['strata_secret', 'strata_session', 'csrf-value']) expect(stored).not.toContain(secret);
    expect(JSON.parse(stored)).toMatchObject({ name: 'ok', body: expect.stringMatching(/not recorded/) });
    expect(plainParameters(req)).toMatch(/not recorded/);
  });

  it('keeps a yes or no under a secret-sounding name, and removes any other value there', () => {
    expect(plainParameters({ revokeTokens: true, token: 'strata_x', apiTokenCount: 3, password: false, secret: null })).toEqual({
      revokeTokens: true,
      token: '[removed]',
      apiTokenCount: '[removed]',
      password: false,
      secret: '[removed]',
    });
  });

  it('cuts long strings and long lists, and stores at most 2 KiB per entry', () => {
    const db = freshDb();
    expect(plainParameters('x'.repeat(16000))).toMatch(/^x{256}…\[cut: 16000 characters\]$/);
    expect((plainParameters(Array.from({ length: 1000 }, (_, i) => i)) as unknown[]).length).toBe(65);
    recordAudit(db, { action: 'vm.create', parameters: { name: 'n'.repeat(16000) } });
    recordAudit(db, {
      action: 'vm.create',
      parameters: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 'v'.repeat(200)])),
    });
    const rows = db.prepare('SELECT length(parameters) AS n FROM audit').all() as { n: number }[];
    for (const r of rows) expect(r.n).toBeLessThanOrEqual(MAX_PARAMETERS);
    expect(queryAudit(db, { admin: true }, 1).entries[0]!.parameters).toMatchObject({ truncated: true });
  });
});

describe('audit retention', () => {
  it('prunes entries older than the retention, and the log still refuses every other change', () => {
    const db = freshDb();
    const day = 24 * 3600 * 1000;
    const now = Date.now();
    const insert = db.prepare("INSERT INTO audit (at, address, action, route_params) VALUES (?, 'server', ?, '{}')");
    insert.run(new Date(now - 500 * day).toISOString(), 'old');
    insert.run(new Date(now - 10 * day).toISOString(), 'recent');
    expect(pruneAudit(db, 400, now)).toBe(1);
    expect((db.prepare('SELECT action FROM audit').all() as { action: string }[]).map((r) => r.action)).toEqual(['recent']);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE audit SET action = 'changed'").run()).toThrow(/append-only/);
    expect(pruneAudit(db, 400, now)).toBe(0);
  });
});
