import { describe, expect, it } from 'vitest';
import type { LaunchPlan, VmRecord } from '@strata/core';
import { buildQemuArgv, escapeOption } from '../src/argv.js';

const vm = (over: Partial<VmRecord> = {}): VmRecord => ({
  id: 'abc123', name: 'web', hypervisor: 'qemu', state: 'defined', imageId: 'base', cpu: { sockets: 2, cores: 2, threads: 1 },
  memoryMiB: 512, accelerator: 'auto', runningAccelerator: null, disks: [], pid: null, stopRequested: false,
  lastError: null, createdAt: '', startedAt: null, ...over,
});

const plan = (over: Partial<LaunchPlan> = {}): LaunchPlan => ({
  vm: vm(), accelerator: 'tcg', dir: '/data/vms/abc123',
  disks: [{ id: 'disk0', path: '/data/images/top.qcow2', format: 'qcow2', bus: 'virtio' }],
  boot: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img', cmdline: 'quiet' },
  ...over,
});

const option = (argv: string[], flag: string): string[] => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));

describe('buildQemuArgv', () => {
  it('encodes topology, memory and accelerator as seed 003 describes', () => {
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
    expect(option(argv, '-chardev')[0]).toContain('path=/data/vms/abc123/console.sock,server=on,wait=off,logfile=/data/vms/abc123/console.log');
    expect(option(argv, '-name')).toEqual(['strata-abc123,process=strata-abc123']);
  });

  it('attaches each disk on its bus and boots the kernel with the root on the first disk', () => {
    const argv = buildQemuArgv(plan());
    expect(option(argv, '-drive')[0]).toContain('file=/data/images/top.qcow2,format=qcow2,node-name=disk0');
    expect(option(argv, '-device')).toContain('virtio-blk-pci,drive=drive-disk0,id=disk0');
    expect(option(argv, '-append')[0]).toBe('console=ttyS0 root=/dev/vda rw panic=-1 quiet');
    const ide = buildQemuArgv(plan({ disks: [{ id: 'disk0', path: '/x.qcow2', format: 'qcow2', bus: 'ide' }] }));
    expect(option(ide, '-device')).toContain('ide-hd,drive=drive-disk0,id=disk0');
    expect(option(ide, '-append')[0]).toContain('root=/dev/sda');
    const scsi = buildQemuArgv(plan({ disks: [{ id: 'disk0', path: '/x.qcow2', format: 'qcow2', bus: 'scsi' }] }));
    expect(option(scsi, '-device')).toEqual(['virtio-scsi-pci,id=scsi0', 'scsi-hd,drive=drive-disk0,id=disk0,bus=scsi0.0']);
  });

  it('escapes commas in paths so a file name cannot inject options', () => {
    expect(escapeOption('/a,b/c')).toBe('/a,,b/c');
    const argv = buildQemuArgv(plan({ disks: [{ id: 'disk0', path: '/img/x,readonly=on.qcow2', format: 'qcow2', bus: 'virtio' }] }));
    expect(option(argv, '-drive')[0]).toContain('file=/img/x,,readonly=on.qcow2,');
  });

  it('boots from the disk alone when there is no kernel to pass', () => {
    const argv = buildQemuArgv(plan({ boot: null }));
    expect(argv).not.toContain('-kernel');
    expect(argv).not.toContain('-append');
  });
});
