import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Share, Vm } from '@strata/contract';
import { daemonPidFile, virtiofsdPaths, virtiofsdProcesses, waitFor } from '@strata/qemu';
import { VIRTIOFSD } from '@strata/host';
import { serverPerFile } from './server-per-file.js';
import type { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let root: string;
let viewer: ConsoleClient | undefined;
beforeAll(() => {
  root = server().config.shareRoots[0]!;
});

const SECRET = 'canary-secret-7f3a';
const vmDir = (id: string) => `${server().dataDir}/vms/${id}`;
const daemonsGone = (id: string, tags: string[]) =>
  waitFor(() => (tags.every((t) => virtiofsdProcesses(vmDir(id), t).length === 0) ? true : undefined), 10_000, 'virtiofsd to be gone');
const leftovers = (id: string, tags: string[]) =>
  tags.flatMap((t) => {
    const socket = virtiofsdPaths(vmDir(id), t).socket;
    return [socket, daemonPidFile(socket)].filter((p) => existsSync(p));
  });
const bootFresh = async (id: string) => {
  viewer?.close();
  viewer = closeAtEnd(await startAndOpen(server(), api, id, /strata-mini: mounted virtiofs share fs[\s\S]*\[strata-mini [^\]]*\]# /));
};

describe('virtiofs shares with real virtiofsd and QEMU', () => {
  let vm: Vm;
  let canary: string;

  it('validates virtiofs options field by field, DAX included', async () => {
    mkdirSync(`${root}/fs`);
    writeFileSync(`${root}/fs/hello.txt`, 'over virtiofs\n');
    const share = (await api<Share>('POST', '/shares', { name: 'fs', path: `${root}/fs` })).body;
    vm = (await api<Vm>('POST', '/vms', { name: 'vfs' })).body;
    const bad: [Record<string, unknown>, string, RegExp][] = [
      [{ dax: true }, 'body.options.dax', /DAX is not available/],
      [{ cache: 'loose' }, 'body.options.cache', /none, auto, always/],
      [{ msize: 1048576 }, 'body.options.msize', /not a virtiofs option/],
      [{ threadPoolSize: 500 }, 'body.options.threadPoolSize', /0 to 64/],
      [{ posixAcl: true, xattr: false }, 'body.options.posixAcl', /need xattr/],
    ];
    for (const [options, field, message] of bad) {
      const res = await api<{ field: string; message: string }>('POST', `/vms/${vm.id}/shares`, {
        shareId: share.id,
        transport: 'virtiofs',
        tag: 'fs',
        options,
      });
      expect(res.status, JSON.stringify(options)).toBe(400);
      expect(res.body.field).toBe(field);
      expect(res.body.message).toMatch(message);
    }
    const ok = await api<Vm>('POST', `/vms/${vm.id}/shares`, {
      shareId: share.id,
      transport: 'virtiofs',
      tag: 'fs',
      options: { cache: 'auto', threadPoolSize: 2, xattr: true },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.shares[0]).toMatchObject({
      transport: 'virtiofs',
      tag: 'fs',
      pending: false,
      shareName: 'fs',
      options: { cache: 'auto', threadPoolSize: 2, xattr: true, writeback: false },
    });
    expect(ok.body.shares[0]!.mountCommand).toBe('mount -t virtiofs fs /mnt/fs');
    mkdirSync(`${root}/ro`);
    writeFileSync(`${root}/ro/keep.txt`, 'keep\n');
    const ro = (await api<Share>('POST', '/shares', { name: 'ro', path: `${root}/ro` })).body;
    expect(
      (await api<Vm>('POST', `/vms/${vm.id}/shares`, { shareId: ro.id, transport: 'virtiofs', tag: 'rofs', readonly: true })).status,
    ).toBe(200);
    const host = (await api<{ shares: Record<'dax' | 'virtiofsReadonly', { available: boolean; reason: string }> }>('GET', '/host')).body;
    expect(host.shares.dax).toMatchObject({ available: false, reason: expect.stringMatching(/cache-size/) });
    expect(host.shares.virtiofsReadonly).toMatchObject({ available: true, reason: expect.stringMatching(/bubblewrap/) });
  });

  it('reads host files in the guest, writes back, and enforces read-only on the host side', async () => {
    await bootFresh(vm.id);
    expect(virtiofsdProcesses(vmDir(vm.id), 'fs').length).toBeGreaterThan(0);
    const argv = JSON.parse(readFileSync(`${vmDir(vm.id)}/qemu.argv.json`, 'utf8')) as string[];
    expect(argv.join(' ')).toMatch(/memory-backend-memfd,id=mem,size=\d+M,share=on/);
    expect((await viewer!.run('cat /mnt/fs/hello.txt')).trim()).toBe('over virtiofs');
    await viewer!.run('echo from the guest > /mnt/fs/back.txt; sync');
    expect(readFileSync(`${root}/fs/back.txt`, 'utf8')).toBe('from the guest\n');
    // The guest mounts it read-only; remounted read-write, the host's read-only bind mount still refuses.
    const refused = await viewer!.run('mount -o remount,rw /mnt/rofs; echo no > /mnt/rofs/new.txt 2>&1; cat /mnt/rofs/keep.txt');
    expect(refused).toMatch(/Read-only file system[\s\S]*keep/);
    expect(existsSync(`${root}/ro/new.txt`)).toBe(false);
  });

  it('keeps a canary outside the share unread and unchanged: host symlink, guest symlink, FIFO, device node', async () => {
    mkdirSync(`${server().dataDir}/outside`);
    canary = `${server().dataDir}/outside/canary`;
    writeFileSync(canary, `${SECRET}\n`);
    symlinkSync(canary, `${root}/fs/host-link`);
    const { dev } = statSync(canary);
    const [major, minor] = [Math.floor(dev / 256) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00)];
    const out = [
      await viewer!.run('cat /mnt/fs/host-link 2>&1'),
      await viewer!.run(`ln -s ${canary} /mnt/fs/guest-link; cat /mnt/fs/guest-link 2>&1; echo pwned > /mnt/fs/guest-link 2>&1`),
      await viewer!.run('mkfifo /mnt/fs/fifo 2>&1; ls -l /mnt/fs/fifo'),
      await viewer!.run(`mknod /mnt/fs/disk b ${major} ${minor} 2>&1; head -c 4096 /mnt/fs/disk 2>&1 | grep -c ${SECRET}`),
    ].join('\n');
    expect(out).not.toContain(SECRET);
    expect(readFileSync(canary, 'utf8')).toBe(`${SECRET}\n`);
    // The guest's symlink stays a symlink in the share; the FIFO stays a FIFO; no device node is made (modcaps=-mknod).
    expect(lstatSync(`${root}/fs/guest-link`).isSymbolicLink()).toBe(true);
    expect(lstatSync(`${root}/fs/fifo`).isFIFO()).toBe(true);
    expect(existsSync(`${root}/fs/disk`)).toBe(false);
  });

  it('plugs a virtiofs share into the running VM; a 9p one waits for the next start', async () => {
    mkdirSync(`${root}/hot`);
    writeFileSync(`${root}/hot/late.txt`, 'plugged in live\n');
    const hot = (await api<Share>('POST', '/shares', { name: 'hot', path: `${root}/hot` })).body;
    const live = await api<Vm>('POST', `/vms/${vm.id}/shares`, { shareId: hot.id, transport: 'virtiofs', tag: 'hot' });
    expect(live.body.shares.find((s) => s.tag === 'hot')).toMatchObject({ pending: false });
    const seen = await viewer!.run(
      'mkdir -p /mnt/hot; for i in 1 2 3 4 5 6 7 8 9 10; do mount -t virtiofs hot /mnt/hot 2>/dev/null && break; sleep 1; done; cat /mnt/hot/late.txt',
    );
    expect(seen.trim()).toBe('plugged in live');
    const later = await api<Vm>('POST', `/vms/${vm.id}/shares`, { shareId: hot.id, transport: '9p', tag: 'later' });
    expect(later.body.shares.find((s) => s.tag === 'later')).toMatchObject({ pending: true });
    expect(later.body.warnings.join(' ')).toMatch(/share later applies at the next start/);
    expect((await api('DELETE', `/vms/${vm.id}/shares/later`)).status).toBe(200);
    expect((await api<{ code: string }>('DELETE', `/vms/${vm.id}/shares/hot`)).body.code).toBe('requires_stop');
    const listed = (await api<{ name: string; usedBy: { vmName: string; tag: string }[] }[]>('GET', '/shares')).body;
    expect(listed.find((s) => s.name === 'hot')!.usedBy).toEqual([expect.objectContaining({ vmName: 'vfs', tag: 'hot' })]);
  });

  it('leaves no virtiofsd, socket or pidfile behind after kill -9 of QEMU', async () => {
    const tags = ['fs', 'rofs', 'hot'];
    process.kill((await api<Vm>('GET', `/vms/${vm.id}`)).body.pid!, 'SIGKILL');
    await waitForState(vm.id, 'crashed', 15_000);
    await daemonsGone(vm.id, tags);
    expect(leftovers(vm.id, tags)).toEqual([]);
  });

  it('leaves none after a stop, and restarts them with the VM', async () => {
    await bootFresh(vm.id);
    expect((await viewer!.run('cat /mnt/hot/late.txt')).trim()).toBe('plugged in live');
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 30_000);
    await daemonsGone(vm.id, ['fs', 'rofs', 'hot']);
    expect(leftovers(vm.id, ['fs', 'rofs', 'hot'])).toEqual([]);
  });

  it('cleans up after a server restart: a daemon orphaned while the server was down is ended', async () => {
    await bootFresh(vm.id);
    viewer!.close();
    viewer = undefined;
    const running = (await api<Vm>('GET', `/vms/${vm.id}`)).body;
    await server().restart(async () => {
      // While the server is down QEMU dies and a daemon is left on one of its sockets, as after a
      // launch interrupted between starting virtiofsd and QEMU.
      process.kill(running.pid!, 'SIGKILL');
      await daemonsGone(vm.id, ['fs', 'rofs', 'hot']);
      const socket = virtiofsdPaths(vmDir(vm.id), 'fs').socket;
      spawn(VIRTIOFSD, [`--socket-path=${socket}`, '-o', `source=${root}/fs`], { detached: true, stdio: 'ignore' }).unref();
      await waitFor(() => (virtiofsdProcesses(vmDir(vm.id), 'fs').length > 0 ? true : undefined), 5000, 'the orphan');
    });
    expect((await api<Vm>('GET', `/vms/${vm.id}`)).body.state).toBe('crashed');
    await daemonsGone(vm.id, ['fs']);
    expect(leftovers(vm.id, ['fs', 'rofs', 'hot'])).toEqual([]);
    expect(readdirSync(vmDir(vm.id)).filter((f) => f.endsWith('.sock') && f.startsWith('vfs-'))).toEqual([]);
  });
});
