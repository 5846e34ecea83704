import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Share, Vm } from '@strata/contract';
import { serverPerFile } from './server-per-file.js';
import type { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let viewer: ConsoleClient | undefined;
const SECRET = 'hostfs-canary-91c2';

describe('hostfs shares for UML, confined for real', () => {
  let vm: Vm;
  let canary: string;
  let root: string;

  it('mounts a hostfs share at /mnt/<tag>: host files read in the guest, guest files land on the host', async () => {
    root = server().config.shareRoots[0]!;
    mkdirSync(`${root}/docs`, { recursive: true });
    writeFileSync(`${root}/docs/readme.txt`, 'hello from the host\n');
    mkdirSync(`${root}/frozen`);
    writeFileSync(`${root}/frozen/keep.txt`, 'keep\n');
    mkdirSync(`${server().dataDir}/outside`);
    canary = `${server().dataDir}/outside/canary.txt`;
    writeFileSync(canary, `${SECRET}\n`);
    const docs = (await api<Share>('POST', '/shares', { name: 'docs', path: `${root}/docs` })).body;
    const frozen = (await api<Share>('POST', '/shares', { name: 'frozen', path: `${root}/frozen` })).body;
    vm = (await api<Vm>('POST', '/vms', { name: 'umlfs', hypervisor: 'uml', memoryMiB: 128 })).body;
    const wrong = await api<{ field: string }>('POST', `/vms/${vm.id}/shares`, { shareId: docs.id, transport: '9p', tag: 'docs' });
    expect(wrong.body.field).toBe('body.transport');
    const ok = await api<Vm>('POST', `/vms/${vm.id}/shares`, { shareId: docs.id, transport: 'hostfs', tag: 'docs' });
    expect(ok.body.shares[0]!.mountCommand).toBe('mount -t hostfs -o docs none /mnt/docs');
    await api('POST', `/vms/${vm.id}/shares`, { shareId: frozen.id, transport: 'hostfs', tag: 'frozen', readonly: true });
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id));
    expect((await viewer.run('cat /mnt/docs/readme.txt')).trim()).toBe('hello from the host');
    await viewer.run('echo from the guest > /mnt/docs/back.txt; sync');
    expect(readFileSync(`${root}/docs/back.txt`, 'utf8')).toBe('from the guest\n');
    expect(statSync(`${root}/docs/back.txt`).uid).toBe(server().config.umlUid);
    expect(
      await viewer.run(
        'echo no > /mnt/frozen/new.txt 2>&1; mount -o remount,rw /mnt/frozen; echo no > /mnt/frozen/new.txt 2>&1; cat /mnt/frozen/keep.txt',
      ),
    ).toMatch(/Read-only file system[\s\S]*keep/);
    expect(existsSync(`${root}/frozen/new.txt`)).toBe(false);
  });

  it('keeps a canary outside the share unread and unchanged: -o ../.., a guest symlink as mount root, mknod, a hard link', async () => {
    const probes = [
      `mkdir -p /e1; mount -t hostfs none /e1 -o ../..; ls /e1 /e1/tmp; cat /e1${canary} 2>&1; echo x >> /e1${canary} 2>&1`,
      `mkdir -p /e2; mount -t hostfs none /e2 -o ${canary.slice(1).replace(/\/[^/]*$/, '')} 2>&1; cat /e2/canary.txt 2>&1`,
      `ln -s / /mnt/docs/up 2>&1; mkdir -p /e3; mount -t hostfs none /e3 -o docs/up 2>&1; cat /e3${canary} 2>&1`,
      `ln -s ${canary} /mnt/docs/direct 2>&1; cat /mnt/docs/direct 2>&1; echo pwned > /mnt/docs/direct 2>&1`,
      'mknod /mnt/docs/disk b 8 0 2>&1; mknod /mnt/docs/mem c 1 1 2>&1; head -c 64 /mnt/docs/mem 2>&1 | wc -c',
      `ln /e1${canary} /mnt/docs/hard 2>&1; cat /mnt/docs/hard 2>&1`,
    ];
    const out = [];
    for (const p of probes) out.push(await viewer!.run(p));
    // ../.. does leave the share (hostfs= is no jail), but only into the sandbox, which holds no canary.
    expect(out[0]).toMatch(/strata-hostfs[\s\S]*usr/);
    expect(out.join('\n')).not.toContain(SECRET);
    expect(readFileSync(canary, 'utf8')).toBe(`${SECRET}\n`);
    expect(existsSync(`${root}/docs/disk`)).toBe(false);
    expect(existsSync(`${root}/docs/mem`)).toBe(false);
    expect(existsSync(`${root}/docs/hard`)).toBe(false);
  });

  it('answers mconsole actions and plugs a scratch ubd disk in and out', async () => {
    const sysrq = await api<{ reply: string }>('POST', `/vms/${vm.id}/uml`, { action: 'sysrq', key: 'h' });
    expect(sysrq.body.reply).toMatch(/sysrq: HELP/);
    expect((await api<{ field: string }>('POST', `/vms/${vm.id}/uml`, { action: 'sysrq' })).body.field).toBe('body.key');
    const added = await api<{ device: string; sizeBytes: number }>('POST', `/vms/${vm.id}/uml/ubd`, { sizeMiB: 8 });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ device: 'ubd1', sizeBytes: 8388608 });
    expect(await viewer!.run('cat /proc/partitions')).toMatch(/16\s+8192\s+ubdb/);
    expect((await api<{ device: string }[]>('GET', `/vms/${vm.id}/uml/ubd`)).body.map((d) => d.device)).toEqual(['ubd0', 'ubd1']);
    expect((await api<{ code: string }>('DELETE', `/vms/${vm.id}/uml/ubd/ubd0`)).body.code).toBe('mconsole_refused');
    expect((await api('DELETE', `/vms/${vm.id}/uml/ubd/ubd1`)).status).toBe(204);
    expect(await viewer!.run('cat /proc/partitions')).not.toMatch(/ubdb/);
    const paused = await api<{ vm: Vm }>('POST', `/vms/${vm.id}/uml`, { action: 'stop' });
    expect(paused.body.vm.state).toBe('paused');
    expect((await api<{ vm: Vm }>('POST', `/vms/${vm.id}/uml`, { action: 'go' })).body.vm.state).toBe('running');
    await api('POST', `/vms/${vm.id}/uml`, { action: 'halt' });
    await waitForState(vm.id, 'stopped', 30_000);
  });
});
