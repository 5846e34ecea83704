import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Share, Vm } from '@strata/contract';
import { commandLine, VIRTIOFSD } from '@strata/host';
import { virtiofsdProcesses } from '@strata/qemu';
import { serverPerFile } from './server-per-file.js';
import type { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';
import { walkTree } from './escape-tools.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let root: string;
let viewer: ConsoleClient | undefined;
beforeAll(() => {
  root = server().config.shareRoots[0]!;
});

const setId = (path: string) => lstatSync(path).mode & 0o6000;
const seccompFilters = (pid: number) => Number(/^Seccomp_filters:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

describe('a guest root cannot leave set-id files on the host through virtiofs', () => {
  it('refuses chmod and create with setuid or setgid bits, while ordinary modes, files and FIFOs work', async () => {
    mkdirSync(`${root}/sid`);
    writeFileSync(`${root}/sid/from-host.txt`, 'host\n', { mode: 0o644 });
    const share = (await api<Share>('POST', '/shares', { name: 'sid', path: `${root}/sid` })).body;
    const vm = (await api<Vm>('POST', '/vms', { name: 'setid' })).body;
    // xattr and ACLs on: the daemon must start with the capability map and the filter together.
    const options = { cache: 'auto', xattr: true, posixAcl: true };
    expect((await api('POST', `/vms/${vm.id}/shares`, { shareId: share.id, transport: 'virtiofs', tag: 'sid', options })).status).toBe(200);
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id, /strata-mini: mounted virtiofs share sid[\s\S]*\[strata-mini [^\]]*\]# /));

    const out = await viewer.run(
      [
        'cd /mnt/sid',
        'cp /bin/busybox x; echo cp=$?',
        'chmod 4755 x; echo suid=$?',
        'chmod 2755 x; echo sgid=$?',
        'chmod u+s,g+s x; echo both=$?',
        // A set-id file made in the guest's own tmpfs, copied in with its mode: the create carries the bits.
        'cp /bin/busybox /tmp/s; chmod 4755 /tmp/s; cp -p /tmp/s copied; echo copy=$?',
        'mkdir dir; chmod 2775 dir; echo dirsgid=$?',
        'echo new > made; chmod 755 made; echo x755=$?; chmod 644 made; echo x644=$?',
        'chmod 600 from-host.txt; echo host600=$?',
        'mkfifo pipe; echo fifo=$?',
        'command -v setfattr >/dev/null && { setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= x; echo setcap=$?; }',
        'cd /; sync; echo done',
      ].join('; ') + ' 2>&1',
      60_000,
    );
    expect(out).toContain('done');
    expect(out).toMatch(/cp=0/);
    for (const attempt of ['suid', 'sgid', 'both', 'dirsgid']) expect(out).toMatch(new RegExp(`${attempt}=1`));
    expect(out).toMatch(/Operation not permitted/);
    for (const ok of ['x755', 'x644', 'host600', 'fifo']) expect(out).toMatch(new RegExp(`${ok}=0`));

    const dir = `${root}/sid`;
    expect(lstatSync(`${dir}/x`).mode & 0o7777).toBe(0o755);
    expect(readFileSync(`${dir}/made`, 'utf8')).toBe('new\n');
    expect(lstatSync(`${dir}/made`).mode & 0o7777).toBe(0o644);
    expect(lstatSync(`${dir}/from-host.txt`).mode & 0o7777).toBe(0o600);
    expect(lstatSync(`${dir}/pipe`).isFIFO()).toBe(true);
    expect(setId(`${dir}/dir`)).toBe(0);
    // Whatever cp -p managed, nothing in the share carries a set-id bit.
    const marked = walkTree(dir).filter((f) => (f.stat.mode & 0o6000) !== 0);
    expect(marked.map((f) => `${f.name} ${f.stat.mode.toString(8)}`)).toEqual([]);

    const daemons = virtiofsdProcesses(`${server().dataDir}/vms/${vm.id}`, 'sid').filter((pid) => commandLine(pid)?.[0] === VIRTIOFSD);
    expect(daemons.length).toBeGreaterThan(0);
    // bubblewrap's filter is on every virtiofsd, the monitor that loads none of its own included.
    for (const pid of daemons) expect(seccompFilters(pid), `virtiofsd ${pid}`).toBeGreaterThan(0);

    viewer.close();
    viewer = undefined;
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 30_000);
  });
});
