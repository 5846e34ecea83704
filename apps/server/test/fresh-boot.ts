import { existsSync, readFileSync, statSync } from 'node:fs';
import { waitFor } from '@strata/qemu';
import type { TestServer } from './harness.js';
import { promptPattern } from './api-client.js';
import { ConsoleClient } from './console-client.js';

/**
 * Starts the VM and returns a console once this boot (not an earlier one in the replayed
 * scrollback) has printed `pattern`: only what the log gained since the start call counts.
 */
export async function startAndOpen(
  server: TestServer,
  api: (method: 'POST', path: string) => Promise<{ status: number }>,
  vmId: string,
  pattern = promptPattern,
): Promise<ConsoleClient> {
  const log = `${server.dataDir}/vms/${vmId}/console.log`;
  const before = existsSync(log) ? statSync(log).size : 0;
  const res = await api('POST', `/vms/${vmId}/start`);
  if (res.status !== 200) throw new Error(`start answered ${res.status}`);
  const viewer = await ConsoleClient.open(server.url, vmId);
  await waitFor(
    () => (pattern.test(readFileSync(log).subarray(before).toString('latin1')) ? true : undefined),
    90_000,
    `${pattern} in this boot's console`,
    100,
  );
  return viewer;
}

/** Boots the VM, runs `commands` in its shell, syncs, and shuts it down cleanly; returns their output. */
export async function inGuest(
  server: TestServer,
  client: {
    api: (method: 'POST', path: string) => Promise<{ status: number }>;
    waitForState: (id: string, state: 'stopped', timeoutMs: number) => Promise<unknown>;
  },
  vmId: string,
  commands: string[],
): Promise<string[]> {
  const viewer = await startAndOpen(server, client.api, vmId);
  const out: string[] = [];
  try {
    // A loaded CI host (two files booting guests at once under TCG) runs a command far slower than a quiet one.
    for (const c of commands) out.push((await viewer.run(c, 90_000)).trim());
    await viewer.run('sync', 90_000);
  } catch (e) {
    // The next test must find the VM stopped, not fail on a start answered 409.
    await client.api('POST', `/vms/${vmId}/stop`);
    await client.waitForState(vmId, 'stopped', 60_000);
    throw e;
  } finally {
    viewer.close();
  }
  await client.api('POST', `/vms/${vmId}/shutdown`);
  await client.waitForState(vmId, 'stopped', 60_000);
  return out;
}
