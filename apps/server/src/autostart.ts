import { readFileSync } from 'node:fs';
import type { BootIds } from '@strata/core';
import type { Db } from './db/database.js';

/** A random id the kernel makes at each boot. */
export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';
const KEY = 'boot_id';

/** The host's boot id now and the one recorded when Strata last started (null the first time). */
export function readBootIds(db: Db, path = BOOT_ID_PATH): BootIds {
  const current = readFileSync(path, 'utf8').trim();
  const row = db.prepare('SELECT value FROM host_state WHERE key = ?').get(KEY) as { value: string } | undefined;
  return { current, recorded: row?.value ?? null };
}

/**
 * Recorded before any VM is started: a server that dies during its autostarts does not start
 * them again at its next start (no loop of starts on a VM that takes the server down).
 */
export function recordBootId(db: Db, id: string): void {
  db.prepare('INSERT INTO host_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(KEY, id);
}
