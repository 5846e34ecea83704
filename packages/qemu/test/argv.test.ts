import { describe, expect, it } from 'vitest';
import { withDefaults, type LaunchPlan, type VmRecord } from '@strata/core';
import { buildQemuArgv, escapeOption, shareArgs } from '../src/argv.js';
import { virtiofsdArgv } from '../src/virtiofsd.js';
import { NINEP_DEFAULTS, VIRTIOFS_DEFAULTS } from '@strata/core';

const vm = (over: Partial<VmRecord> = {}): VmRecord =>
  withDefaults({
    id: 'abc123',
    name: 'web',
    hypervisor: 'qemu',
    state: 'defined',
    imageId: 'base',
    cpu: { sockets: 2, cores: 2, threads: 1 },
    memoryMiB: 512,
    accelerator: 'auto',
    runningAccelerator: null,
    disks: [],
    pid: null,
    stopRequested: false,
    lastError: null,
    createdAt: '',
    startedAt: null,
    network: { mode: 'none', forwards: [] },
    ...over,
  });

const plan = (over: Partial<LaunchPlan> = {}): LaunchPlan => ({
  vm: vm(),
  accelerator: 'tcg',
  dir: '/data/vms/abc123',
  disks: [{ id: 'disk0', path: '/data/images/top.qcow2', format: 'qcow2', bus: 'virtio' }],
  boot: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img', cmdline: 'quiet' },
  cdrom: null,
  shares: [],
  ...over,
});

const option = (argv: string[], flag: string): string[] => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));

describe('buildQemuArgv', () => {
  it("encodes topology, memory and accelerator as QEMU's -smp, -m and -accel options take them", () => {
    const argv = buildQemuArgv(plan());
    expect(option(argv, '-smp')).toEqual(['cpus=4,sockets=2,cores=2,threads=1,maxcpus=4']);
    expect(option(argv, '-m')).toEqual(['512M']);
    expect(option(argv, '-accel')).toEqual(['tcg']);
    expect(argv[0]).toBe('qemu-system-x86_64');
  });

  it('gives the VM its own QMP socket, pidfile and a logged serial socket in its directory', () => {
    const argv = buildQemuArgv(plan());
    expect(option(argv, '-qmp')).toEqual(['unix:/data/vms/abc123/qmp.sock,server=on,wait=off']);
    expect(option(argv, '-pidfile')).toEqual(['/data/vms/abc123/qemu.pid']);
    expect(option(argv, '-chardev')[0]).toContain(
      'path=/data/vms/abc123/console.sock,server=on,wait=off,logfile=/data/vms/abc123/console.log',
    );
    expect(option(argv, '-name')).toEqual(['strata-abc123,process=strata-abc123,debug-threads=on']);
  });

  it('serves the screen over VNC on a socket in the VM directory only, never a TCP port', () => {
    const argv = buildQemuArgv(plan());
    expect(option(argv, '-vnc')).toEqual(['unix:/data/vms/abc123/vnc.sock']);
    expect(option(argv, '-vga')).toEqual(['std']);
    const withComma = buildQemuArgv(plan({ dir: '/data/vms/a,b' }));
    expect(option(withComma, '-vnc')).toEqual(['unix:/data/vms/a,,b/vnc.sock']);
  });

  it('attaches each disk on its bus and boots the kernel with the root on the first disk', () => {
    const argv = buildQemuArgv(plan());
    expect(option(argv, '-drive')[0]).toContain('file=/data/images/top.qcow2,format=qcow2,node-name=disk0');
    expect(option(argv, '-device')).toContain('virtio-blk-pci,drive=drive-disk0,id=disk0');
    expect(option(argv, '-append')[0]).toBe('console=tty0 console=ttyS0 root=/dev/vda rw panic=-1 quiet');
    const ide = buildQemuArgv(plan({ disks: [{ id: 'disk0', path: '/x.qcow2', format: 'qcow2', bus: 'ide' }] }));
    expect(option(ide, '-device')).toContain('ide-hd,drive=drive-disk0,id=disk0');
    expect(option(ide, '-append')[0]).toContain('root=/dev/sda');
    const scsi = buildQemuArgv(plan({ disks: [{ id: 'disk0', path: '/x.qcow2', format: 'qcow2', bus: 'scsi' }] }));
    const devices = option(scsi, '-device');
    expect(devices.indexOf('virtio-scsi-pci,id=scsi0')).toBeGreaterThanOrEqual(0);
    expect(devices.indexOf('scsi-hd,drive=drive-disk0,id=disk0,bus=scsi0.0')).toBeGreaterThan(devices.indexOf('virtio-scsi-pci,id=scsi0'));
  });

  it('escapes commas in paths so a file name cannot inject options', () => {
    expect(escapeOption('/a,b/c')).toBe('/a,,b/c');
    const argv = buildQemuArgv(plan({ disks: [{ id: 'disk0', path: '/img/x,readonly=on.qcow2', format: 'qcow2', bus: 'virtio' }] }));
    expect(option(argv, '-drive')[0]).toContain('file=/img/x,,readonly=on.qcow2,');
  });

  it('boots fewer vCPUs than the topology allows, leaving room to hot-plug up to maxcpus', () => {
    const argv = buildQemuArgv(plan({ vm: vm({ vcpus: 1, cpuModel: 'Broadwell-v1' }) }));
    expect(option(argv, '-smp')).toEqual(['cpus=1,sockets=2,cores=2,threads=1,maxcpus=4']);
    expect(option(argv, '-cpu')).toEqual(['Broadwell-v1']);
    expect(buildQemuArgv(plan())).not.toContain('-cpu');
  });

  it('adds user-mode networking with forwards bound to loopback, a balloon and the boot order', () => {
    const argv = buildQemuArgv(
      plan({
        vm: vm({
          network: {
            mode: 'user',
            forwards: [
              { protocol: 'tcp', hostPort: 2222, guestPort: 22 },
              { protocol: 'udp', hostPort: 5353, guestPort: 53 },
            ],
          },
          boot: { order: 'cd', once: 'd', menu: true },
        }),
      }),
    );
    expect(option(argv, '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:127.0.0.1:5353-:53']);
    expect(option(argv, '-device')).toContain('virtio-net-pci,netdev=net0,id=nic0');
    expect(option(argv, '-device')).toContain('virtio-balloon-pci,id=balloon0');
    expect(option(argv, '-boot')).toEqual(['order=cd,once=d,menu=on']);
    expect(buildQemuArgv(plan())).not.toContain('-netdev');
  });

  it('puts a raw image in a read-only IDE CD-ROM drive', () => {
    const argv = buildQemuArgv(plan({ cdrom: '/data/images/install.iso' }));
    expect(option(argv, '-drive')).toContain('if=none,id=drive-cd0,media=cdrom,readonly=on,format=raw,file=/data/images/install.iso');
    expect(option(argv, '-device')).toContain('ide-cd,drive=drive-cd0,id=cd0');
    expect(buildQemuArgv(plan())).not.toContain('ide-cd,drive=drive-cd0,id=cd0');
  });

  it('boots from the disk alone when there is no kernel to pass', () => {
    const argv = buildQemuArgv(plan({ boot: null }));
    expect(argv).not.toContain('-kernel');
    expect(argv).not.toContain('-append');
  });
});

describe('parseCpuHelp', () => {
  it('lists models from `-cpu help`', async () => {
    const { parseCpuHelp } = await import('../src/cpu-models.js');
    const models = parseCpuHelp(
      'Available CPUs:\nx86 486                   (alias configured by machine type)\nx86 Broadwell-v1          Intel Core Processor (Broadwell)\n\nRecognized CPUID flags:\n  3dnow\n',
    );
    expect(models).toEqual([
      { name: '486', description: '(alias configured by machine type)' },
      { name: 'Broadwell-v1', description: 'Intel Core Processor (Broadwell)' },
    ]);
  });
});

describe('parseConvertProgress', () => {
  it('takes the last progress figure qemu-img printed', async () => {
    const { parseConvertProgress } = await import('../src/qemu-img.js');
    expect(parseConvertProgress('    (0.00/100%)\r    (33.33/100%)\r')).toBeCloseTo(0.3333);
    expect(parseConvertProgress('no progress here')).toBeNull();
  });

  it('gives a VM with a virtiofs share shared memfd memory, a vhost-user-fs device and a guest mount', () => {
    const fs = { shareId: 's1', tag: 'fs', readonly: true, transport: 'virtiofs' as const, options: VIRTIOFS_DEFAULTS, path: '/srv/a,b' };
    const ninep = { shareId: 's2', tag: 'nine', readonly: false, transport: '9p' as const, options: NINEP_DEFAULTS, path: '/srv/n' };
    const argv = buildQemuArgv(plan({ shares: [fs, ninep] }));
    expect(option(argv, '-object')).toEqual(['memory-backend-memfd,id=mem,size=512M,share=on']);
    expect(option(argv, '-numa')).toEqual(['node,memdev=mem']);
    expect(option(argv, '-chardev')).toContain('socket,id=vfs-fs,path=/data/vms/abc123/vfs-fs.sock');
    expect(option(argv, '-device')).toContain('vhost-user-fs-pci,chardev=vfs-fs,tag=fs,id=fs-fs');
    // QEMU gets the directory the server opened (inherited as fd 3), never the share's name.
    expect(option(argv, '-fsdev')).toEqual(['local,id=fsdev-nine,path=/proc/self/fd/3,security_model=mapped-xattr']);
    expect(argv.join(' ')).not.toContain('/srv/n');
    expect(option(argv, '-append')[0]).toContain(
      'strata.mount=virtiofs:fs:ro strata.mount=9p:nine:version=9p2000.L,msize=524288,cache=none',
    );
    expect(option(buildQemuArgv(plan({ shares: [ninep] })), '-object')).toEqual([]);
  });

  it('numbers the held 9p directories in plan order and refuses a 9p share with none', () => {
    const nine = (tag: string) => ({
      shareId: tag,
      tag,
      readonly: false,
      transport: '9p' as const,
      options: NINEP_DEFAULTS,
      path: `/srv/${tag}`,
    });
    const fs = { shareId: 'v', tag: 'v', readonly: false, transport: 'virtiofs' as const, options: VIRTIOFS_DEFAULTS, path: '/srv/v' };
    const argv = buildQemuArgv(plan({ shares: [nine('a'), fs, nine('b')] }));
    expect(option(argv, '-fsdev').map((f) => /path=([^,]+)/.exec(f)?.[1])).toEqual(['/proc/self/fd/3', '/proc/self/fd/4']);
    expect(() => shareArgs(nine('a'), '/d')).toThrow(/held directory/);
  });

  it('runs virtiofsd sandboxed without mknod, set-id bits or file capabilities, and read-only shares inside a read-only bind mount', () => {
    const share = {
      shareId: 's1',
      tag: 'fs',
      readonly: false,
      transport: 'virtiofs' as const,
      options: { ...VIRTIOFS_DEFAULTS, threadPoolSize: 4, xattr: true },
      path: '/srv/a',
    };
    const rw = virtiofsdArgv(share, '/d/vfs-fs.sock', '/d');
    expect(rw[0]).toBe('/usr/bin/bwrap');
    const daemon = rw.slice(rw.indexOf('--') + 1);
    expect(daemon[0]).toBe('/usr/lib/qemu/virtiofsd');
    expect(daemon).toEqual(
      expect.arrayContaining([
        '--socket-path=/d/vfs-fs.sock',
        'source=/share',
        'sandbox=namespace',
        'modcaps=-mknod:-setfcap',
        'killpriv_v2',
        'xattr',
        '--thread-pool-size=4',
      ]),
    );
    // File capabilities a guest sets are stored under a name the host ignores, whenever xattrs pass at all.
    expect(daemon).toContain('xattrmap=:map:security.capability:user.virtiofs.:');
    expect(virtiofsdArgv({ ...share, options: { ...share.options, xattr: false } }, '/d/vfs-fs.sock', '/d').join(' ')).not.toMatch(
      /xattrmap|-o xattr /,
    );
    // bubblewrap loads the set-id filter from the second inherited descriptor before starting the daemon.
    expect(rw.slice(0, rw.indexOf('--')).join(' ')).toContain('--seccomp 4');
    // The share enters the sandbox only as the descriptor the server holds; its name appears nowhere.
    expect(rw.join(' ')).not.toContain('/srv/a');
    expect(rw.join(' ')).toContain('--bind-fd 3 /share');
    expect(rw.join(' ')).toContain('--bind /d /d');
    const ro = virtiofsdArgv({ ...share, readonly: true }, '/d/vfs-fs.sock', '/d');
    expect(ro.join(' ')).toContain('--ro-bind-fd 3 /share');
    expect(ro).not.toContain('--bind-fd');
  });
});
