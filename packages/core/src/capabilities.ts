import type { VmCapabilities } from '@strata/contract';

/** What a VM whose hypervisor has no driver on this server can do: nothing. */
export const NO_CAPABILITIES: VmCapabilities = {
  multiprocessor: false,
  cpuModels: false,
  accelerators: false,
  vcpuPinning: 'per-vcpu',
  balloon: false,
  cdrom: false,
  bootOrder: false,
  network: false,
  diskBuses: [],
  shareTransports: [],
  hotplug: { vcpus: false, shares: [], scratchDisks: false },
  liveSnapshot: false,
  liveMerge: false,
  metrics: false,
  mconsole: false,
};
