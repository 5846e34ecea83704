import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport, Image, Share, ShareView, Vm } from '@strata/contract';
import { virtiofsdProcesses, waitFor } from '@strata/qemu';
import { commandLine, VIRTIOFSD } from '@strata/host';
import { serverPerFile } from './server-per-file.js';
import type { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';
import { collectEvents } from './events-client.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let viewer: ConsoleClient | undefined;

const vmDir = (id: string) => `${server().dataDir}/vms/${id}`;
const LOST = "share `fs` lost its daemon; the guest's accesses hang until the VM restarts";
/** The virtiofsd processes themselves (not bubblewrap around them), oldest first. */
const daemons = (id: string, tag: string) => virtiofsdProcesses(vmDir(id), tag).filter((pid) => commandLine(pid)?.[0] === VIRTIOFSD);
const vmWarnings = async (id: string) => (await api<Vm>('GET', `/vms/${id}`)).body.warnings;
const shareWarning = async (name: string, tag: string) =>
  (await api<ShareView[]>('GET', '/shares')).body.find((s) => s.name === name)!.usedBy.find((u) => u.tag === tag)?.warning;

describe('a virtiofsd killed under a running VM', () => {
  let vm: Vm;

  beforeAll(async () => {
    const root = server().config.shareRoots[0]!;
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
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id, /mounted virtiofs share other[\s\S]*\[strata-mini [^\]]*\]# /));
    expect((await viewer.run('cat /mnt/fs/hello.txt')).trim()).toBe('fs');
    expect(await vmWarnings(vm.id)).not.toContain(LOST);
    expect(await shareWarning('fs', 'fs')).toBeNull();
    const events = collectEvents(server().url);
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
    const db = new Database(`${server().dataDir}/strata.db`, { readonly: true });
    try {
      const audited = db.prepare("SELECT target_id, parameters FROM audit WHERE action = 'share.daemon_lost'").all() as {
        target_id: string;
        parameters: string;
      }[];
      expect(audited).toEqual([{ target_id: vm.id, parameters: expect.stringContaining('"tag":"fs"') }]);
    } finally {
      db.close();
    }
    // The share that still has its daemon still answers.
    expect((await viewer.run('cat /mnt/other/hello.txt')).trim()).toBe('other');
  }, 300_000);

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
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id, /mounted virtiofs share other[\s\S]*\[strata-mini [^\]]*\]# /));
    viewer.close();
    viewer = undefined;
    expect(await vmWarnings(vm.id)).not.toContain(LOST);
    await api('PATCH', `/vms/${vm.id}`, { shutdownTimeoutSec: 5 });
    await server().restart(async () => {
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
  }, 300_000);
});

describe('an overlay damaged on disk', () => {
  const damage: [string, (path: string) => void][] = [
    ['truncated to zero', (path) => truncateSync(path, 0)],
    [
      'with its qcow2 magic overwritten',
      (path) => {
        const fd = openSync(path, 'r+');
        writeSync(fd, Buffer.from('XXXX'), 0, 4, 0);
        closeSync(fd);
      },
    ],
  ];
  for (const [how, doDamage] of damage) {
    it(`${how}: listed invalid with the reason, check says so, and its VM refuses to start with it`, async () => {
      const vm = (await api<Vm>('POST', '/vms', { name: `damaged-${how.length}` })).body;
      const topId = vm.disks[0]!.imageId;
      const before = (await api<Image[]>('GET', '/images')).body.find((i) => i.id === topId)!;
      expect(before).toMatchObject({ valid: true, invalidReason: null });
      doDamage(before.path);
      const after = (await api<Image[]>('GET', '/images')).body.find((i) => i.id === topId)!;
      expect(after.valid).toBe(false);
      expect(after.invalidReason).toMatch(/no longer opens as qcow2 \(qemu-img info -f qcow2: .*not in qcow2 format/);
      const check = await api<CheckReport>('POST', `/images/${topId}/check`);
      expect(check.status).toBe(200);
      expect(check.body.ok).toBe(false);
      expect(check.body.report).toMatch(/no longer opens as qcow2/);
      expect(check.body.report).not.toMatch(/does not support checks/);
      const start = await api<{ code: string; message: string }>('POST', `/vms/${vm.id}/start`);
      expect(start.status).toBe(409);
      expect(start.body.code).toBe('image_invalid');
      expect(start.body.message).toMatch(/cannot boot: layer .* is invalid because .*no longer opens as qcow2/);
      expect((await api<Vm>('GET', `/vms/${vm.id}`)).body.state).not.toBe('running');
      // The base under it is untouched and still valid.
      expect((await api<Image[]>('GET', '/images')).body.find((i) => i.id === before.parentId)!.valid).toBe(true);
    });
  }
});

describe('deleting a VM', () => {
  it('removes its directory, unlinking a planted symlink without following it', async () => {
    const vm = (await api<Vm>('POST', '/vms', { name: 'doomed' })).body;
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id));
    viewer.close();
    viewer = undefined;
    expect((await api('POST', `/vms/${vm.id}/stop`)).status).toBe(200);
    const dir = vmDir(vm.id);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['console.log', 'qemu.log']));
    // Outside targets a symlink in the VM directory points at: a file and a directory with a file.
    const outside = `${server().dataDir}/outside-target`;
    mkdirSync(`${outside}/tree`, { recursive: true });
    writeFileSync(`${outside}/keep.txt`, 'keep me\n');
    writeFileSync(`${outside}/tree/inner.txt`, 'me too\n');
    symlinkSync(`${outside}/keep.txt`, `${dir}/planted-file`);
    symlinkSync(`${outside}/tree`, `${dir}/planted-dir`);
    mkdirSync(`${dir}/sub`);
    symlinkSync(outside, `${dir}/sub/up`);
    // A Strata name replaced by a link: the link goes, not what it names.
    truncateSync(`${dir}/qemu.log`, 0);
    const log = `${dir}/console.log`;
    writeFileSync(`${outside}/console-target.txt`, 'not a console log\n');
    rmSync(log);
    symlinkSync(`${outside}/console-target.txt`, log);
    expect((await api('DELETE', `/vms/${vm.id}`)).status).toBe(204);
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync(`${outside}/keep.txt`, 'utf8')).toBe('keep me\n');
    expect(readFileSync(`${outside}/tree/inner.txt`, 'utf8')).toBe('me too\n');
    expect(readFileSync(`${outside}/console-target.txt`, 'utf8')).toBe('not a console log\n');
    expect(lstatSync(`${outside}/tree`).isDirectory()).toBe(true);
  }, 300_000);
});
