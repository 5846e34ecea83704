import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Share, ShareView, Vm } from '@strata/contract';
import { virtiofsdProcesses, waitFor } from '@strata/qemu';
import { commandLine, VIRTIOFSD } from '@strata/host';
import { startServer, type TestServer } from './harness.js';
import { apiClient } from './api-client.js';
import type { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';
import { collectEvents } from './events-client.js';

let server: TestServer;
let viewer: ConsoleClient | undefined;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  viewer?.close();
  await server.close();
});
const { api, waitForState } = apiClient(() => server);

const vmDir = (id: string) => `${server.dataDir}/vms/${id}`;
const LOST = "share `fs` lost its daemon; the guest's accesses hang until the VM restarts";
/** The virtiofsd processes themselves (not bubblewrap around them), oldest first. */
const daemons = (id: string, tag: string) => virtiofsdProcesses(vmDir(id), tag).filter((pid) => commandLine(pid)?.[0] === VIRTIOFSD);
const vmWarnings = async (id: string) => (await api<Vm>('GET', `/vms/${id}`)).body.warnings;
const shareWarning = async (name: string, tag: string) =>
  (await api<ShareView[]>('GET', '/shares')).body.find((s) => s.name === name)!.usedBy.find((u) => u.tag === tag)?.warning;

describe('a virtiofsd killed under a running VM', () => {
  let vm: Vm;

  beforeAll(async () => {
    const root = server.config.shareRoots[0]!;
    for (const name of ['fs', 'other']) {
      mkdirSync(`${root}/${name}`);
      writeFileSync(`${root}/${name}/hello.txt`, `${name}\n`);
      const share = (await api<Share>('POST', '/shares', { name, path: `${root}/${name}` })).body;
      vm ??= (await api<Vm>('POST', '/vms', { name: 'supervised' })).body;
      const attached = await api('POST', `/vms/${vm.id}/shares`, { shareId: share.id, transport: 'virtiofs', tag: name });
      expect(attached.status).toBe(200);
    }
  });

  it('is noticed within 2 s: a warning on the VM and on the share, pushed as events; the other share is fine', async () => {
    viewer = await startAndOpen(server, api, vm.id, /mounted virtiofs share other[\s\S]*\[strata-mini [^\]]*\]# /);
    expect((await viewer.run('cat /mnt/fs/hello.txt')).trim()).toBe('fs');
    expect(await vmWarnings(vm.id)).not.toContain(LOST);
    expect(await shareWarning('fs', 'fs')).toBeNull();
    const events = collectEvents(server.url);
    await events.ready;
    const [daemon] = daemons(vm.id, 'fs');
    expect(daemon).toBeDefined();
    const killedAt = Date.now();
    process.kill(daemon!, 'SIGKILL');
    await waitFor(async () => ((await vmWarnings(vm.id)).includes(LOST) ? true : undefined), 10_000, 'the warning', 20);
    const latency = Date.now() - killedAt;
    console.log(`virtiofsd kill -9 seen on the VM after ${latency} ms`);
    expect(latency).toBeLessThan(2000);
    expect((await api<Vm>('GET', `/vms/${vm.id}`)).body.state).toBe('running');
    expect(await shareWarning('fs', 'fs')).toBe(LOST);
    expect(await shareWarning('other', 'other')).toBeNull();
    await waitFor(
      () => (events.events.some((e) => e.type === 'vm.changed' && e.vm.warnings.includes(LOST)) ? true : undefined),
      5000,
      'the vm.changed event with the warning',
    );
    expect(events.events.some((e) => e.type === 'shares.changed')).toBe(true);
    events.close();
    // The share that still has its daemon still answers.
    expect((await viewer.run('cat /mnt/other/hello.txt')).trim()).toBe('other');
  });

  it('still stops cleanly (forced stop), with no daemon left behind', async () => {
    viewer?.close();
    viewer = undefined;
    const started = Date.now();
    const res = await api<Vm>('POST', `/vms/${vm.id}/stop`);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('stopped');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(res.body.warnings).not.toContain(LOST);
    expect(await shareWarning('fs', 'fs')).toBeNull();
    expect(virtiofsdProcesses(vmDir(vm.id), 'other')).toEqual([]);
  });

  it('shows the same warning after a server restart when the daemon died while the server was down; a graceful shutdown still ends', async () => {
    viewer = await startAndOpen(server, api, vm.id, /mounted virtiofs share other[\s\S]*\[strata-mini [^\]]*\]# /);
    viewer.close();
    viewer = undefined;
    expect(await vmWarnings(vm.id)).not.toContain(LOST);
    await api('PATCH', `/vms/${vm.id}`, { shutdownTimeoutSec: 5 });
    await server.restart(async () => {
      for (const pid of daemons(vm.id, 'fs')) process.kill(pid, 'SIGKILL');
      await waitFor(() => (virtiofsdProcesses(vmDir(vm.id), 'fs').length === 0 ? true : undefined), 5000, 'the daemon to die');
    });
    const back = Date.now();
    await waitFor(async () => ((await vmWarnings(vm.id)).includes(LOST) ? true : undefined), 10_000, 'the warning after restart', 20);
    expect(Date.now() - back).toBeLessThan(2000);
    expect((await api<Vm>('GET', `/vms/${vm.id}`)).body.state).toBe('running');
    expect(await shareWarning('other', 'other')).toBeNull();
    expect((await api('POST', `/vms/${vm.id}/shutdown`)).status).toBe(200);
    await waitForState(vm.id, 'stopped', 60_000);
    expect(virtiofsdProcesses(vmDir(vm.id), 'other')).toEqual([]);
  });
});
