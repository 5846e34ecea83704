import { describe, expect, it } from 'vitest';
import type { Vm } from '@strata/contract';
import { pendingWords } from '../../src/shared/pending-words';

const vm = {
  memoryMiB: 512,
  cpu: { sockets: 1, cores: 1, threads: 1 },
  vcpus: 1,
  cpuModel: null,
  accelerator: 'auto',
  disks: [
    { id: 'disk0', imageId: 'a', bus: 'virtio' },
    { id: 'disk1', imageId: 'b', bus: 'virtio' },
  ],
  cdrom: null,
  network: { mode: 'user', forwards: [] },
  boot: { order: 'c', menu: false },
  pending: null,
} as unknown as Vm;

describe('pending changes in words', () => {
  it('says nothing when nothing waits', () => {
    expect(pendingWords(vm)).toEqual([]);
  });

  it('gives each waiting change as the value now and the value at the next start', () => {
    const words = pendingWords({
      ...vm,
      pending: {
        memoryMiB: 1024,
        cpu: { sockets: 2, cores: 1, threads: 1 },
        cpuModel: 'Haswell',
        disks: [
          { id: 'disk0', bus: 'virtio' },
          { id: 'disk1', bus: 'ide' },
        ],
        network: { mode: 'none', forwards: [] },
      },
    });
    expect(words).toEqual([
      'memory 512 → 1024 MiB',
      'topology 1×1×1 → 2×1×1 (sockets × cores × threads)',
      'CPU model default → Haswell',
      'disk1 bus virtio → ide',
      'network user-mode, 0 port forward(s) → none',
    ]);
  });
});
