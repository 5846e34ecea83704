import { describe, expect, it } from 'vitest';
import { withDefaults, type LaunchPlan } from '@strata/core';
import { buildQemuArgv } from '../src/argv.js';

const plan = (agent: boolean): LaunchPlan => ({
  vm: withDefaults({
    id: 'bench1',
    name: 'bench1',
    hypervisor: 'qemu',
    state: 'defined',
    imageId: 'base',
    cpu: { sockets: 1, cores: 1, threads: 1 },
    memoryMiB: 256,
  }),
  accelerator: 'tcg',
  dir: '/data/vms/bench,1',
  disks: [{ id: 'disk0', path: '/data/images/top.qcow2', format: 'qcow2', bus: 'virtio' }],
  boot: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img', cmdline: 'quiet' },
  cdrom: null,
  shares: [],
  agent,
});
const option = (argv: string[], flag: string): string[] => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));

describe("the benchmark agent's virtio-serial port on the QEMU command line", () => {
  it('adds a port of its own on a socket in the VM directory, and tells the guest its name', () => {
    const argv = buildQemuArgv(plan(true));
    expect(option(argv, '-device')).toEqual(
      expect.arrayContaining(['virtio-serial-pci,id=agentbus', 'virtserialport,bus=agentbus.0,chardev=agent,name=org.strata.agent']),
    );
    // A comma in the directory is doubled, so it cannot add options to the chardev.
    expect(option(argv, '-chardev')).toContain('socket,id=agent,path=/data/vms/bench,,1/agent.sock,server=on,wait=off');
    expect(option(argv, '-append')[0]!.split(' ')).toContain('strata.agent=virtio:org.strata.agent');
    expect(option(argv, '-serial')).toEqual(['chardev:console']);
  });

  it('adds nothing without plan.agent', () => {
    const argv = buildQemuArgv(plan(false));
    expect(argv.join(' ')).not.toMatch(/agent/);
  });
});
