import { describe, expect, it } from 'vitest';
import type { VmRecord } from '../src/records.js';
import { pendingBetween, vcpusLive, withPending } from '../src/vm-pending.js';

const running = {
  id: 'vm1',
  name: 'one',
  cpu: { sockets: 1, cores: 2, threads: 1 },
  vcpus: 1,
  memoryMiB: 256,
  accelerator: 'auto',
  disks: [
    { id: 'disk0', imageId: 'top0', bus: 'virtio' },
    { id: 'disk1', imageId: 'top1', bus: 'virtio' },
  ],
  pinning: { vcpus: [{ index: 1, cpus: [0] }], emulatorCpus: null },
  pending: null,
} as unknown as VmRecord;

describe('changes that wait for the next start', () => {
  it('keeps only what differs from the running process, whatever order the keys came in', () => {
    expect(pendingBetween(running, { memoryMiB: 256, cpu: { threads: 1, cores: 2, sockets: 1 } })).toBeNull();
    expect(pendingBetween(running, { memoryMiB: 1024, accelerator: 'auto' })).toEqual({ memoryMiB: 1024 });
  });

  it('holds a disk bus change as buses only, so a top that changes meanwhile is never rolled back', () => {
    const pending = pendingBetween(running, { disks: [{ ...running.disks[0]!, bus: 'ide' }, running.disks[1]!] });
    expect(pending).toEqual({
      disks: [
        { id: 'disk0', bus: 'ide' },
        { id: 'disk1', bus: 'virtio' },
      ],
    });
    // A live snapshot gave disk0 a new top after the edit.
    const moved = { ...running, disks: [{ id: 'disk0', imageId: 'top0b', bus: 'virtio' }, running.disks[1]!], pending } as VmRecord;
    expect(withPending(moved).disks).toEqual([
      { id: 'disk0', imageId: 'top0b', bus: 'ide' },
      { id: 'disk1', imageId: 'top1', bus: 'virtio' },
    ]);
  });

  it('drops pins of vCPUs a smaller pending topology no longer has', () => {
    const next = withPending({ ...running, pending: { cpu: { sockets: 1, cores: 1, threads: 1 }, vcpus: 1 } });
    expect(next.pinning.vcpus).toEqual([]);
    expect(next.pending).toBeNull();
    expect(withPending(running)).toBe(running);
  });

  it('plugs vCPUs in live only upward, on the topology the VM started with, when the process can', () => {
    expect(vcpusLive(running, { cpu: running.cpu, vcpus: 2 }, true)).toBe(true);
    expect(vcpusLive(running, { cpu: running.cpu, vcpus: 2 }, false)).toBe(false);
    expect(vcpusLive({ ...running, vcpus: 2 }, { cpu: running.cpu, vcpus: 1 }, true)).toBe(false);
    expect(vcpusLive(running, { cpu: { sockets: 2, cores: 2, threads: 1 }, vcpus: 2 }, true)).toBe(false);
  });
});
