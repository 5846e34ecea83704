import { describe, expect, it } from 'vitest';
import { fingerprintChange, invalidImages } from '../src/image-validity.js';
import { inPlaceSpace, mergeTarget, planMerge, planUmlMerge } from '../src/merge-plan.js';
import type { VmRecord } from '../src/records.js';
import { withDefaults } from '../src/vm-defaults.js';
import { fp, imageRecord as image } from './image-records.js';

describe('fingerprintChange', () => {
  it('sees replacement, size, mtime and a ctime that betrays a faked mtime', () => {
    expect(fingerprintChange(fp(), fp())).toBeNull();
    expect(fingerprintChange(fp(), null)).toBe('the file is gone');
    expect(fingerprintChange(fp(), fp({ ino: 9 }))).toMatch(/replaced/);
    expect(fingerprintChange(fp(), fp({ size: 101 }))).toMatch(/size changed from 100 to 101/);
    expect(fingerprintChange(fp(), fp({ mtimeNs: '7' }))).toMatch(/mtime/);
    expect(fingerprintChange(fp(), fp({ ctimeNs: '8' }))).toMatch(/ctime changed/);
  });
  it('accepts a file restored byte for byte, by its hash', () => {
    expect(fingerprintChange(fp({ sha256: 'abc' }), fp({ ino: 9, ctimeNs: '99', sha256: 'abc' }))).toBeNull();
  });
});

describe('invalidImages (a changed backing file invalidates everything above it)', () => {
  const images = [image('base', null), image('mid', 'base'), image('top', 'mid'), image('other', 'base')];
  it('marks every layer above a changed base, with the reason', () => {
    const reasons = invalidImages({ images, exists: () => true, fingerprint: (p) => (p === '/i/base' ? fp({ size: 5 }) : fp()) });
    expect([...reasons.keys()].sort()).toEqual(['mid', 'other', 'top']);
    expect(reasons.get('mid')).toMatch(/parent base changed after this layer was made on it: its size changed/);
    expect(reasons.get('top')).toBe('its parent mid is invalid');
  });
  it('marks missing files and explicit invalidations', () => {
    const marked = images.map((i) => (i.id === 'other' ? { ...i, invalidReason: 'merged away' } : i));
    const reasons = invalidImages({ images: marked, exists: (p) => p !== '/i/mid', fingerprint: () => fp() });
    expect(reasons.get('mid')).toMatch(/missing/);
    expect(reasons.get('other')).toBe('merged away');
    expect(reasons.has('base')).toBe(false);
  });
});

describe('planMerge', () => {
  const vm = withDefaults({
    id: 'vm1',
    name: 'vm1',
    cpu: { sockets: 1, cores: 1, threads: 1 },
    state: 'stopped',
    disks: [{ id: 'disk0', imageId: 'top', bus: 'virtio' }],
  } as VmRecord);
  const sizes = () => 10;
  it("commits into the VM's own snapshot and lists layers that would be invalidated", () => {
    const images = [
      image('base', null),
      image('snap', 'base', { ownerVmId: 'vm1' }),
      image('top', 'snap', { ownerVmId: 'vm1' }),
      image('clone', 'snap'),
    ];
    const plan = planMerge(mergeTarget('top', images, [vm])!, sizes, 1e9, false);
    expect(plan.modes.find((m) => m.mode === 'commit')).toMatchObject({
      allowed: true,
      invalidates: [{ id: 'clone', name: 'clone' }],
      spaceNeeded: inPlaceSpace(10),
      inPlace: true,
    });
  });
  it('costs an offline commit what the top holds, whatever the size of the parent', () => {
    const MiB = 1024 ** 2;
    const images = [image('base', null), image('snap', 'base', { ownerVmId: 'vm1' }), image('top', 'snap', { ownerVmId: 'vm1' })];
    const target = mergeTarget('top', images, [vm])!;
    const commitWith = (parentBytes: number) =>
      planMerge(target, (i) => (i.id === 'top' ? 64 * MiB : parentBytes), 1e12, false).modes.find((m) => m.mode === 'commit')!;
    const small = commitWith(1024 * MiB);
    const large = commitWith(100 * 1024 * MiB);
    expect(large).toEqual(small);
    expect(small).toMatchObject({ allowed: true, inPlace: true, bytesWritten: 64 * MiB });
    expect(small.spaceNeeded).toBeGreaterThan(64 * MiB);
    expect(small.spaceNeeded).toBeLessThanOrEqual(1.1 * 64 * MiB + 16 * MiB);
    const copy = planMerge(target, (i) => (i.id === 'top' ? 64 * MiB : 100 * 1024 * MiB), 1e12, false).modes.find(
      (m) => m.mode === 'new-base',
    )!;
    expect(copy).toMatchObject({ inPlace: false, bytesWritten: 200 * 1024 * MiB + 64 * MiB });
    expect(copy.estimatedSeconds).toBeGreaterThan(100 * small.estimatedSeconds);
  });
  it('refuses to write a parent in place while another running VM reads it', () => {
    const images = [
      image('base', null, { format: 'raw' }),
      image('top', 'base', { ownerVmId: 'vm1', format: 'uml-cow' }),
      image('sib', 'base', { ownerVmId: 'vm2', format: 'uml-cow' }),
    ];
    const other = withDefaults({
      id: 'vm2',
      name: 'busy',
      cpu: { sockets: 1, cores: 1, threads: 1 },
      state: 'running',
      disks: [{ id: 'disk0', imageId: 'sib', bus: 'virtio' }],
    } as VmRecord);
    const commit = (state: VmRecord['state']) =>
      planUmlMerge(mergeTarget('top', images, [vm, { ...other, state }])!, sizes, 1e9, false).modes.find((m) => m.mode === 'commit')!;
    expect(commit('running')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/read by running VM\(s\) busy: stop them first/),
    });
    expect(commit('stopped')).toMatchObject({ allowed: true, invalidates: [{ id: 'sib', name: 'sib' }] });
  });
  it('refuses a commit into a shared base and any merge when space is short; running VMs merge live', () => {
    const images = [image('base', null), image('top', 'base', { ownerVmId: 'vm1' })];
    const target = mergeTarget('top', images, [vm])!;
    expect(planMerge(target, sizes, 1000, false).modes.find((m) => m.mode === 'commit')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/shared base/),
    });
    expect(planMerge(target, sizes, 5, false).modes.find((m) => m.mode === 'stream')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/only 5 are free/),
    });
    expect(planMerge(target, sizes, 1000, true).modes.find((m) => m.mode === 'new-base')).toMatchObject({
      allowed: true,
      reason: expect.stringMatching(/new protected base/),
    });
  });
});
