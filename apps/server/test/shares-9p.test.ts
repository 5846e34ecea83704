import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Share, Vm } from '@strata/contract';
import { pidsMentioning } from '../../../e2e/processes.mjs';
import { promptPattern } from './api-client.js';
import { serverPerFile } from './server-per-file.js';
import { ConsoleClient } from './console-client.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let root: string;
let viewer: ConsoleClient | undefined;
beforeAll(() => {
  root = server().config.shareRoots[0]!;
});

const xattr = (path: string, name: string) =>
  execFileSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2]).hex())', path, name]).toString().trim();

describe('9p shares confined to the allowed roots, with real QEMU', () => {
  let data: Share;
  let vm: Vm;

  it('refuses share paths that leave the roots, and creates nothing for them', async () => {
    mkdirSync(`${root}-evil`, { recursive: true });
    mkdirSync(`${server().dataDir}/outside`);
    writeFileSync(`${server().dataDir}/outside/canary`, 'secret');
    symlinkSync(`${server().dataDir}/outside`, `${root}/linked`);
    const cases: [string, RegExp][] = [
      [`${root}/../outside`, /'\.\.' is not allowed/],
      [`${root}-evil`, /not under an allowed share root/],
      [`${root}/linked`, /resolves to/],
      [`${root}/%2e%2e`, /does not exist/],
      [`${root}/x\u0000y`, /NUL/],
      ['/proc/self', /special file system|not under/],
    ];
    for (const [path, message] of cases) {
      const res = await api<{ field: string; message: string }>('POST', '/shares', { name: 'bad', path });
      expect(res.status, path).toBe(400);
      expect(res.body.field).toBe('body.path');
      expect(res.body.message).toMatch(message);
    }
    expect((await api<Share[]>('GET', '/shares')).body).toEqual([]);
  });

  it('exports a directory over 9p: the guest reads host files and the host sees guest writes', async () => {
    mkdirSync(`${root}/data`);
    writeFileSync(`${root}/data/hello.txt`, 'from the host\n');
    mkdirSync(`${root}/ro`);
    writeFileSync(`${root}/ro/keep.txt`, 'read only\n');
    data = (await api<Share>('POST', '/shares', { name: 'data', path: `${root}/data` })).body;
    const ro = (await api<Share>('POST', '/shares', { name: 'ro', path: `${root}/ro` })).body;
    const pass = (await api<Share>('POST', '/shares', { name: 'pass', path: `${root}/data` })).body;
    vm = (await api<Vm>('POST', '/vms', { name: 'sharer' })).body;
    const attached = await api<Vm>('POST', `/vms/${vm.id}/shares`, { shareId: data.id, transport: '9p', tag: 'data' });
    expect(attached.status).toBe(200);
    expect(attached.body.shares[0]).toMatchObject({
      tag: 'data',
      options: { version: '9p2000.L', msize: 524288, securityModel: 'mapped-xattr' },
    });
    expect(attached.body.shares[0]!.mountCommand).toBe(
      'mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288,cache=none data /mnt/data',
    );
    await api('POST', `/vms/${vm.id}/shares`, { shareId: ro.id, transport: '9p', tag: 'ro', readonly: true });
    const passthrough = await api<Vm>('POST', `/vms/${vm.id}/shares`, {
      shareId: pass.id,
      transport: '9p',
      tag: 'pass',
      options: { securityModel: 'passthrough' },
    });
    expect(passthrough.body.warnings.join(' ')).toMatch(/passthrough: files the guest's root creates belong to root on the host/);
    expect(
      (
        await api<{ field: string }>('POST', `/vms/${vm.id}/shares`, {
          shareId: data.id,
          transport: '9p',
          tag: 'small',
          options: { msize: 8192 },
        })
      ).body.field,
    ).toBe('body.options.msize');

    await api('POST', `/vms/${vm.id}/start`);
    viewer = closeAtEnd(await ConsoleClient.open(server().url, vm.id));
    await viewer.waitFor(promptPattern, 90_000);
    expect((await viewer.run('cat /mnt/data/hello.txt')).trim()).toBe('from the host');
    await viewer.run('echo from the guest > /mnt/data/back.txt; sync');
    expect(readFileSync(`${root}/data/back.txt`, 'utf8')).toBe('from the guest\n');
    // mapped-xattr keeps the guest's ownership in xattrs, not in the host's inode.
    await viewer.run('chown 4321:4321 /mnt/data/back.txt');
    expect(xattr(`${root}/data/back.txt`, 'user.virtfs.uid')).toBe('e1100000'); // 4321, little-endian
    expect(statSync(`${root}/data/back.txt`).uid).toBe(0);
    // passthrough stores it for real: what the warning on attach says, shown.
    await viewer.run('echo p > /mnt/pass/owned.txt; chown 4321:4321 /mnt/pass/owned.txt');
    expect(statSync(`${root}/data/owned.txt`).uid).toBe(4321);
    expect((await viewer.run('echo no > /mnt/ro/new.txt 2>&1; cat /mnt/ro/keep.txt')).trim()).toMatch(
      /Read-only file system[\s\S]*read only/,
    );
    expect(existsSync(`${root}/ro/new.txt`)).toBe(false);
    // A symlink the guest makes points inside the guest's view; followed on the host it must not escape.
    await viewer.run('ln -s /etc/passwd /mnt/data/guest-link; cat /mnt/data/guest-link > /dev/null');
    expect(readFileSync(`${server().dataDir}/outside/canary`, 'utf8')).toBe('secret');
    viewer.close();
    viewer = undefined;
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 30_000);
  });

  it('checks the path again before each start: a share turned into a symlink out is refused, and no QEMU starts', async () => {
    rmSync(`${root}/data`, { recursive: true });
    symlinkSync(`${server().dataDir}/outside`, `${root}/data`);
    const res = await api<{ code: string; message: string }>('POST', `/vms/${vm.id}/start`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('share_invalid');
    expect(res.body.message).toMatch(/resolves to/);
    expect(pidsMentioning(`strata-${vm.id}`)).toEqual([]);
    expect((await api<Vm>('GET', `/vms/${vm.id}`)).body.state).toBe('stopped');
  });

  it('deletes a share attached to a stopped VM (detaching it) but not one a running VM uses', async () => {
    expect((await api('DELETE', `/shares/${data.id}`)).status).toBe(204);
    expect((await api<Vm>('GET', `/vms/${vm.id}`)).body.shares.map((s) => s.tag)).toEqual(['ro', 'pass']);
  });
});
