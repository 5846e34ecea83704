import { describe, expect, it } from 'vitest';
import { withDefaults, type LaunchPlan } from '@strata/core';
import { umlKernelArgv, umlPaths, umlSandboxArgv } from '../src/uml-argv.js';

const plan = (agent: boolean): LaunchPlan => ({
  vm: withDefaults({ id: 'u1', name: 'u', hypervisor: 'uml', state: 'defined', imageId: 'b', cpu: { sockets: 1, cores: 1, threads: 1 } }),
  accelerator: 'tcg',
  dir: '/data/vms/u1',
  boot: null,
  cdrom: null,
  disks: [{ id: 'disk0', path: '/data/vms/u1/disks/c.cow', format: 'uml-cow', bus: 'virtio', backing: '/data/images/base.raw' }],
  shares: [],
  agent,
});
const paths = umlPaths('/data/vms/u1', 'u1');
const fds = { disks: 3, run: 4, memory: null, shares: new Map<string, number>(), root: null, info: 5 };
const options = { cpus: null, uid: 60123, gid: 60123 };

describe("the benchmark agent's serial line on the UML command line", () => {
  it('puts serial line 1 on the inherited socket and tells the guest to listen there; the console stays on fd 0 and 1', () => {
    const argv = umlSandboxArgv(plan(true), paths, options, { ...fds, agent: 6 });
    const kernel = argv.slice(argv.indexOf('/usr/bin/linux.uml'));
    expect(kernel).toEqual(expect.arrayContaining(['ssl1=fd:6', 'strata.agent=/dev/ttyS1', 'con0=fd:0,fd:1']));
  });

  it('refuses an agent without its descriptor, and adds nothing without plan.agent', () => {
    expect(() => umlKernelArgv(plan(true), paths)).toThrow(/descriptor/);
    expect(umlSandboxArgv(plan(false), paths, options, fds).join(' ')).not.toMatch(/ssl1|strata\.agent/);
  });
});
