import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core';
import { UML_CAPABILITIES, UML_RULES } from '../src/uml-rules.js';

const fieldOf = (work: () => void) => {
  try {
    work();
    return null;
  } catch (err) {
    return err instanceof StrataError ? err.field : String(err);
  }
};

describe("UML's rules, as its driver carries them", () => {
  it('refuses on create what UML does not have, naming the field', () => {
    expect(fieldOf(() => UML_RULES.checkCreate({ name: 'u', cpu: { sockets: 1, cores: 2, threads: 1 } }))).toBe('body.cpu');
    expect(fieldOf(() => UML_RULES.checkCreate({ name: 'u', vcpus: 2 }))).toBe('body.vcpus');
    expect(fieldOf(() => UML_RULES.checkCreate({ name: 'u', network: { mode: 'user', forwards: [] } }))).toBe('body.network');
    expect(fieldOf(() => UML_RULES.checkCreate({ name: 'u', accelerator: 'kvm' }))).toBe('body.accelerator');
    expect(fieldOf(() => UML_RULES.checkCreate({ name: 'u', memoryMiB: 128 }))).toBeNull();
  });
  it('shapes a uniprocessor VM without network on a raw base under a COW layer', () => {
    expect(UML_RULES.shape({ name: 'u', umlMemoryDir: '/mem' })).toMatchObject({
      vcpus: 1,
      network: { mode: 'none' },
      umlMemoryDir: '/mem',
    });
    expect(UML_RULES.disk).toMatchObject({ baseFormat: 'raw', layerFormat: 'uml-cow' });
    expect(UML_RULES.disk.defaultImage('strata-mini')).toBe('strata-mini-raw');
  });
  it('refuses changes it has no field for, and shares other than hostfs', () => {
    expect(fieldOf(() => UML_RULES.checkPatch({ balloonMiB: 64 }))).toBe('body.balloonMiB');
    expect(fieldOf(() => UML_RULES.checkPatch({ umlMemoryDir: '/mem', memoryMiB: 128 }))).toBeNull();
    expect(UML_RULES.shareRefusal('hostfs')).toBeNull();
    expect(UML_RULES.shareRefusal('9p')).toMatch(/hostfs/);
  });
  it('declares what its process offers: mconsole and scratch disks, no live disks, balloon or vCPU hot-plug', () => {
    expect(UML_CAPABILITIES).toMatchObject({
      mconsole: true,
      liveSnapshot: false,
      liveMerge: false,
      balloon: false,
      multiprocessor: false,
    });
    expect(UML_CAPABILITIES.hotplug).toEqual({ vcpus: false, shares: [], scratchDisks: true });
    expect(UML_CAPABILITIES.shareTransports).toEqual(['hostfs']);
  });
});
