import { describe, expect, it } from 'vitest';
import { withDefaults, type LaunchPlan } from '@strata/core';
import { ancestors, umlPaths, umlSandboxArgv } from '../src/uml-argv.js';

const plan = (over: Partial<LaunchPlan> = {}): LaunchPlan => ({
  vm: withDefaults({
    id: 'u1',
    name: 'u',
    hypervisor: 'uml',
    state: 'defined',
    imageId: 'b',
    cpu: { sockets: 1, cores: 1, threads: 1 },
    memoryMiB: 128,
  }),
  accelerator: 'tcg',
  dir: '/data/vms/u1',
  boot: null,
  cdrom: null,
  disks: [{ id: 'disk0', path: '/data/vms/u1/disks/c.cow', format: 'uml-cow', bus: 'virtio', backing: '/data/images/base.raw' }],
  shares: [{ shareId: 's', tag: 'docs', readonly: true, transport: 'hostfs', options: {}, path: '/srv/docs' }],
  ...over,
});
const fds = { disks: 3, run: 4, memory: null, shares: new Map([['docs', 5]]), root: null, info: 6 };
const after = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));

describe('the UML sandbox and kernel command line', () => {
  it('binds only disks/ and run/ of the VM directory (from descriptors), its backing file read-only and each hostfs share under hostfs=', () => {
    const argv = umlSandboxArgv(plan(), umlPaths('/data/vms/u1', 'u1'), { cpus: null, uid: 60123, gid: 60123 }, fds);
    expect(argv[0]).toBe('/usr/bin/bwrap');
    expect(after(argv, '--bind')).toEqual([]);
    expect(after(argv, '--bind-fd')).toEqual(['3', '4']);
    expect(argv).toEqual(expect.arrayContaining(['--bind-fd', '3', '/data/vms/u1/disks', '--bind-fd', '4', '/data/vms/u1/run']));
    expect(after(argv, '--ro-bind')).toEqual(['/usr', '/proc/cpuinfo', '/data/images/base.raw']);
    expect(argv).toEqual(expect.arrayContaining(['--ro-bind-fd', '5', '/strata-hostfs/docs']));
    expect(argv).not.toContain('/srv/docs');
    const kernel = argv.slice(argv.indexOf('/usr/bin/linux.uml'));
    expect(kernel).toEqual(
      expect.arrayContaining([
        'umid=strata-u1',
        'uml_dir=/data/vms/u1/run',
        'mem=128M',
        'ubd0=/data/vms/u1/disks/c.cow,/data/images/base.raw',
        'hostfs=/strata-hostfs',
        'strata.mount=hostfs:docs:docs,ro',
      ]),
    );
    expect(argv.slice(argv.indexOf('/usr/bin/setpriv'), argv.indexOf('/usr/bin/linux.uml'))).toEqual([
      '/usr/bin/setpriv',
      '--reuid=60123',
      '--regid=60123',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
    ]);
    expect(argv).toContain('--unshare-net');
    expect(after(argv, '--info-fd')).toEqual(['6']);
    // No /proc: through hostfs it would reach /proc/<kernel>/mem; only cpuinfo is bound.
    expect(argv).not.toContain('--proc');
    expect(after(argv, '--ro-bind').filter((p) => p.startsWith('/proc'))).toEqual(['/proc/cpuinfo']);
  });

  it('pins the whole tree with taskset and puts guest memory where asked', () => {
    const vm = { ...plan().vm, umlMemoryDir: '/dev/shm' };
    const argv = umlSandboxArgv(
      plan({ vm, shares: [] }),
      umlPaths('/data/vms/u1', 'u1', '/dev/shm'),
      { cpus: [1], uid: 60123, gid: 60123 },
      { ...fds, memory: 6 },
    );
    expect(argv).toEqual(expect.arrayContaining(['--bind-fd', '6', '/dev/shm/strata-uml-u1']));
    expect(argv.slice(0, 4)).toEqual(['taskset', '-c', '1', '/usr/bin/bwrap']);
    expect(after(argv, '--setenv')).toEqual(['TMPDIR']);
    expect(argv[argv.indexOf('TMPDIR') + 1]).toBe('/dev/shm/strata-uml-u1');
    expect(argv.filter((a) => a.startsWith('hostfs='))).toEqual([]);
  });

  it('makes every directory above a bind reachable (0755), parents first', () => {
    expect(ancestors(['/data/vms/u1', '/data/images/base.raw', '/usr/x'])).toEqual(['/data', '/data/images', '/data/vms']);
  });
});
