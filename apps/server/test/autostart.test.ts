import { readFileSync, truncateSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Image, Vm } from '@strata/contract';
import { waitFor } from '@strata/qemu';
import { isOurQemu } from '../../../packages/qemu/src/qemu-process.js';
import { serverPerFile } from './server-per-file.js';

const { server, api, waitForState } = serverPerFile();

const OTHER_BOOT = '00000000-0000-4000-8000-000000000000';
const vm = async (id: string) => (await api<Vm>('GET', `/vms/${id}`)).body;

/** While the server is down: every QEMU dies, as in a power cut, and the recorded boot id becomes another boot's. */
async function simulateHostBoot(pids: number[]): Promise<void> {
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await waitFor(() => (pids.every((pid) => !isOurQemu(pid, 'strata-')) ? true : undefined), 10_000, 'QEMU to die');
  const db = new Database(`${server().dataDir}/strata.db`);
  try {
    expect((db.prepare("SELECT value FROM host_state WHERE key = 'boot_id'").get() as { value: string }).value).toBe(
      readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
    );
    db.prepare("UPDATE host_state SET value = ? WHERE key = 'boot_id'").run(OTHER_BOOT);
  } finally {
    db.close();
  }
}

describe('autostart after a simulated host boot', () => {
  let broken: Vm;
  let auto: Vm;
  let manual: Vm;

  it('is a VM setting, false unless asked for, checked as a boolean', async () => {
    broken = (await api<Vm>('POST', '/vms', { name: 'auto-broken' })).body;
    auto = (await api<Vm>('POST', '/vms', { name: 'auto-on' })).body;
    manual = (await api<Vm>('POST', '/vms', { name: 'auto-off' })).body;
    expect(auto.autostart).toBe(false);
    const bad = await api<{ field: string }>('PATCH', `/vms/${auto.id}`, { autostart: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('body.autostart');
    expect((await api<Vm>('PATCH', `/vms/${auto.id}`, { autostart: true })).body.autostart).toBe(true);
    expect((await api<Vm>('PATCH', `/vms/${broken.id}`, { autostart: true })).body.autostart).toBe(true);
    expect((await vm(manual.id)).autostart).toBe(false);
  });

  it('a plain server restart starts nothing', async () => {
    await server().restart();
    await new Promise((r) => setTimeout(r, 1500));
    for (const v of [broken, auto, manual]) expect((await vm(v.id)).state).toBe('defined');
  });

  it('starts the autostart VM, leaves the other down, and records a failure as a warning without stopping the rest', async () => {
    for (const v of [auto, manual]) expect((await api('POST', `/vms/${v.id}/start`)).status).toBe(200);
    const pids = [(await vm(auto.id)).pid!, (await vm(manual.id)).pid!];
    // The first in order cannot start: its overlay was truncated.
    const top = (await api<Image[]>('GET', '/images')).body.find((i) => i.id === broken.disks[0]!.imageId)!;
    truncateSync(top.path, 0);
    await server().restart(() => simulateHostBoot(pids));
    const up = await waitForState(auto.id, 'running', 60_000);
    expect(up.pid).not.toBe(pids[0]);
    expect((await vm(manual.id)).state).toBe('crashed');
    await waitFor(
      async () => ((await vm(broken.id)).warnings.some((w) => /after the host booted failed/.test(w)) ? true : undefined),
      10_000,
      'the failure warning',
    );
    const failed = await vm(broken.id);
    expect(failed.state).not.toBe('running');
    expect(failed.warnings.find((w) => /after the host booted failed/.test(w))).toMatch(/no longer opens as qcow2/);
    const db = new Database(`${server().dataDir}/strata.db`, { readonly: true });
    try {
      const actions = db.prepare("SELECT action, target_id FROM audit WHERE action LIKE 'vm.autostart%' ORDER BY id").all();
      expect(actions).toEqual([
        { action: 'vm.autostart.failed', target_id: broken.id },
        { action: 'vm.autostart', target_id: auto.id },
      ]);
    } finally {
      db.close();
    }
    expect((await api('POST', `/vms/${auto.id}/stop`)).status).toBe(200);
  });
});
