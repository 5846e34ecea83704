import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core';
import { QEMU_CAPABILITIES, QEMU_RULES } from '../src/qemu-rules.js';

const fieldOf = (work: () => void) => {
  try {
    work();
    return null;
  } catch (err) {
    return err instanceof StrataError ? err.field : String(err);
  }
};

describe("QEMU's rules, as its driver carries them", () => {
  it('checks the topology and the vCPUs online on create', () => {
    expect(fieldOf(() => QEMU_RULES.checkCreate({ name: 'q', cpu: { sockets: 1, cores: 2, threads: 1 }, vcpus: 3 }))).toBe('body.vcpus');
    expect(fieldOf(() => QEMU_RULES.checkCreate({ name: 'q', cpu: { sockets: 1, cores: 2, threads: 1 } }))).toBeNull();
    expect(QEMU_RULES.shape({ name: 'q', cpu: { sockets: 1, cores: 2, threads: 1 } })).toMatchObject({
      vcpus: 2,
      bus: 'virtio',
      accelerator: 'auto',
    });
  });
  it("refuses UML's fields on a change, and hostfs shares", () => {
    expect(fieldOf(() => QEMU_RULES.checkPatch({ umlRootShareId: 'x' }))).toBe('body.umlRootShareId');
    expect(fieldOf(() => QEMU_RULES.checkPatch({ vcpus: 2 }))).toBeNull();
    expect(QEMU_RULES.shareRefusal('hostfs')).toMatch(/9p or virtiofs/);
    expect(QEMU_RULES.shareRefusal('virtiofs')).toBeNull();
  });
  it('declares live snapshots, merges, balloon and hot-plug of vCPUs and virtiofs', () => {
    expect(QEMU_CAPABILITIES).toMatchObject({ liveSnapshot: true, liveMerge: true, balloon: true, mconsole: false });
    expect(QEMU_CAPABILITIES.hotplug).toEqual({ vcpus: true, shares: ['virtiofs'], scratchDisks: false });
    expect(QEMU_RULES.disk).toMatchObject({ baseFormat: 'qcow2', layerFormat: 'qcow2' });
  });
});
