import { join } from 'node:path';
import { withDefaults, type LaunchPlan } from '@strata/core';
import type { GuestArtifacts } from '@strata/guest';

/**
 * The launch plan the integration tests boot the default guest with: a VM named `id` that has
 * never run, one vCPU and 256 MiB under TCG, its directory `work`/vm, the guest's own kernel.
 */
export function guestPlan(
  id: string,
  work: string,
  guest: GuestArtifacts,
  rest: Pick<LaunchPlan, 'disks' | 'shares'> & Partial<LaunchPlan>,
): LaunchPlan {
  return {
    vm: withDefaults({
      id,
      name: id,
      hypervisor: 'qemu',
      state: 'starting',
      imageId: 'x',
      cpu: { sockets: 1, cores: 1, threads: 1 },
      memoryMiB: 256,
      accelerator: 'tcg',
      runningAccelerator: null,
      disks: [],
      pid: null,
      stopRequested: false,
      lastError: null,
      createdAt: '',
      startedAt: null,
    }),
    accelerator: 'tcg',
    dir: join(work, 'vm'),
    boot: { kernel: guest.kernel, initrd: guest.initrd, cmdline: 'quiet' },
    cdrom: null,
    ...rest,
  };
}
