import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Image, Vm, VmSample } from '@strata/contract';
import { collectSse } from './events-client.js';
import { serverPerFile } from './server-per-file.js';
import type { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';
import { pidsMentioning } from '../../../e2e/processes.mjs';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let viewer: ConsoleClient | undefined;
const images = async () => (await api<Image[]>('GET', '/images')).body;

describe('UML VMs with real linux.uml', () => {
  let vm: Vm;

  it('refuses what UML cannot do, each with its field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ cpu: { sockets: 1, cores: 2, threads: 1 } }, 'body.cpu'],
      [{ vcpus: 2 }, 'body.vcpus'],
      [{ image: 'strata-mini' }, 'body.image'],
      [{ network: { mode: 'user', forwards: [] } }, 'body.network'],
      [{ umlMemoryDir: '/nonexistent/dir' }, 'body.umlMemoryDir'],
    ];
    for (const [extra, field] of cases) {
      const res = await api<{ field: string }>('POST', '/vms', { name: 'bad-uml', hypervisor: 'uml', ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.field).toBe(field);
    }
  });

  it('boots to the console as an unprivileged user, makes its COW on first use and shows its header', async () => {
    vm = (await api<Vm>('POST', '/vms', { name: 'uml1', hypervisor: 'uml', memoryMiB: 128 })).body;
    expect(vm).toMatchObject({ hypervisor: 'uml', vcpus: 1, maxVcpus: 1 });
    const before = (await images()).find((i) => i.id === vm.disks[0]!.imageId)!;
    expect(before).toMatchObject({ format: 'uml-cow', pendingFirstUse: true, cow: null, valid: true });
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id));
    const running = (await api<Vm>('GET', `/vms/${vm.id}`)).body;
    expect(running.state).toBe('running');
    expect((await viewer.run('echo $((6 * 7))')).trim()).toBe('42');
    const layer = (await images()).find((i) => i.id === vm.disks[0]!.imageId)!;
    const base = (await images()).find((i) => i.id === layer.parentId)!;
    expect(layer.pendingFirstUse).toBe(false);
    expect(layer.cow).toMatchObject({
      version: 3,
      backingFile: base.path,
      backingSize: statSync(base.path).size,
      sectorSize: 512,
      alignment: 4096,
    });
    expect(layer.cow!.backingMtime).toBe(Math.floor(statSync(base.path).mtimeMs / 1000));
    expect(statSync(layer.path).uid).toBe(server().config.umlUid);
    const kernels = pidsMentioning(`umid=strata-${vm.id}`).filter((pid) => {
      try {
        return statSync(`/proc/${pid}`).uid === server().config.umlUid;
      } catch {
        return false;
      }
    });
    expect(kernels.length).toBeGreaterThan(0);
  });

  it('is sampled through its mconsole: ubd disk counters and its one CPU', async () => {
    const stream = collectSse<VmSample>(`${server().url}/api/v1/metrics/stream?vm=${vm.id}&host=false`);
    try {
      await viewer!.run('dd if=/dev/zero of=/root/z bs=1M count=32 conv=fsync 2>/dev/null; rm /root/z');
      await expect
        .poll(() => stream.frames.some((f) => (f.data.disks.find((d) => d.id === 'disk0')?.writeBps ?? 0) > 0), { timeout: 10_000 })
        .toBe(true);
      const sample = stream.frames.at(-1)!.data;
      expect(sample.cpu.map((c) => c.index)).toEqual([0]);
      expect(sample.shares).toEqual([]);
      expect(sample.rssBytes).toBeGreaterThan(0);
    } finally {
      stream.close();
    }
  });

  it('pins the whole UML process tree to chosen host CPUs (taskset), live', async () => {
    const pinned = await api<{ index: number; threadId: number; affinity: number[] }[]>('PUT', `/vms/${vm.id}/pinning`, {
      vcpus: [{ index: 0, cpus: [1] }],
    });
    expect(pinned.status, JSON.stringify(pinned.body)).toBe(200);
    expect(pinned.body).toEqual([expect.objectContaining({ index: 0, affinity: [1] })]);
    const tree = pidsMentioning(`umid=strata-${vm.id}`);
    expect(tree.length).toBeGreaterThan(2);
    for (const pid of tree) expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Cpus_allowed_list:\s+1$/m);
  });

  it('shuts down cleanly through Ctrl-Alt-Del and leaves no process', async () => {
    await api('POST', `/vms/${vm.id}/shutdown`);
    await waitForState(vm.id, 'stopped', 60_000);
    expect((await api<Vm>('GET', `/vms/${vm.id}`)).body.lastError).toBeNull();
    expect(pidsMentioning(`umid=strata-${vm.id}`)).toEqual([]);
  });

  it('backs guest memory with a file in the chosen directory (TMPDIR), and is pinned from its first instruction', async () => {
    const memDir = `${server().dataDir}/numa0-tmpfs`;
    mkdirSync(memDir);
    const other = (await api<Vm>('POST', '/vms', { name: 'uml2', hypervisor: 'uml', memoryMiB: 96, umlMemoryDir: memDir })).body;
    expect(other.umlMemoryDir).toBe(memDir);
    await api('PUT', `/vms/${other.id}/pinning`, { vcpus: [{ index: 0, cpus: [0] }] });
    // The guest writes there: a directory where set-id bits would count is refused.
    const refused = await api<{ message: string }>('POST', `/vms/${other.id}/start`);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.message).toMatch(/nosuid,nodev/);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'nosuid,nodev,size=256m', 'tmpfs', memDir]).status).toBe(0);
    (await startAndOpen(server(), api, other.id)).close();
    const kernel = pidsMentioning(`umid=strata-${other.id}`).find((p) =>
      readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/usr/bin/linux.uml'),
    )!;
    expect(readFileSync(`/proc/${kernel}/maps`, 'utf8')).toContain(`${memDir}/strata-uml-${other.id}/`);
    const argv = JSON.parse(readFileSync(`${server().dataDir}/vms/${other.id}/uml.argv.json`, 'utf8')) as string[];
    expect(argv.slice(0, 3)).toEqual(['taskset', '-c', '0']);
    await api('POST', `/vms/${other.id}/stop`);
    await waitForState(other.id, 'stopped', 30_000);
  });

  it('boots from a share over hostfs as its root file system', async () => {
    const rootDir = `${server().config.shareRoots[0]}/rootfs`;
    mkdirSync(rootDir, { recursive: true });
    const base = (await images()).find((i) => i.name === 'strata-mini-raw')!;
    execFileSync('debugfs', ['-R', `rdump / ${rootDir}`, base.path], { stdio: 'ignore' });
    const share = (await api<{ id: string }>('POST', '/shares', { name: 'rootfs', path: rootDir })).body;
    const vm3 = (await api<Vm>('POST', '/vms', { name: 'uml-hostfs-root', hypervisor: 'uml', memoryMiB: 96, umlRootShareId: share.id }))
      .body;
    expect(vm3.umlRootShareId).toBe(share.id);
    const console3 = await startAndOpen(server(), api, vm3.id);
    expect(await console3.run('awk \'$2 == "/" { print $3 }\' /proc/mounts')).toMatch(/hostfs/);
    await console3.run('echo written-by-the-guest > /root/on-hostfs.txt; sync');
    console3.close();
    expect(readFileSync(`${rootDir}/root/on-hostfs.txt`, 'utf8')).toBe('written-by-the-guest\n');
    await api('POST', `/vms/${vm3.id}/stop`);
    await waitForState(vm3.id, 'stopped', 30_000);
  });
});
