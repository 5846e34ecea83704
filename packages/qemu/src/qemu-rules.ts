import type { VmCapabilities } from '@strata/contract';
import {
  DEFAULT_BOOT,
  DEFAULT_CPU,
  DEFAULT_NETWORK,
  invalid,
  validateForwards,
  validateTopology,
  validateVcpus,
  vcpuCount,
  type HypervisorRules,
} from '@strata/core';

export const QEMU_CAPABILITIES: VmCapabilities = {
  multiprocessor: true,
  cpuModels: true,
  accelerators: true,
  vcpuPinning: 'per-vcpu',
  balloon: true,
  cdrom: true,
  bootOrder: true,
  network: true,
  diskBuses: ['virtio', 'scsi', 'ide'],
  shareTransports: ['9p', 'virtiofs'],
  // 9p cannot be plugged in live: QEMU 7.2 has no fsdev_add.
  hotplug: { vcpus: true, shares: ['virtiofs'], scratchDisks: false },
  liveSnapshot: true,
  liveMerge: true,
  metrics: true,
  mconsole: false,
};

/** What a QEMU VM may be: a topology of vCPUs, any disk bus, 9p or virtiofs shares, on a qcow2 overlay. */
export const QEMU_RULES: HypervisorRules = {
  checkCreate(body) {
    const cpu = body.cpu ?? DEFAULT_CPU;
    validateTopology(cpu);
    validateVcpus(body.vcpus ?? vcpuCount(cpu), cpu);
    if (body.network) validateForwards(body.network.forwards);
  },
  shape(body) {
    const cpu = body.cpu ?? DEFAULT_CPU;
    return {
      cpu,
      vcpus: body.vcpus ?? vcpuCount(cpu),
      cpuModel: body.cpuModel ?? null,
      accelerator: body.accelerator ?? 'auto',
      cdrom: body.cdrom ?? null,
      network: body.network ?? DEFAULT_NETWORK,
      boot: body.boot ?? DEFAULT_BOOT,
      bus: body.diskBus ?? 'virtio',
      // Not refused on create (the API has always let them by); they have no meaning here.
      umlMemoryDir: null,
      umlRootShareId: null,
    };
  },
  checkPatch(patch) {
    if (patch.umlMemoryDir !== undefined || patch.umlRootShareId !== undefined)
      throw invalid(patch.umlMemoryDir !== undefined ? 'body.umlMemoryDir' : 'body.umlRootShareId', 'only UML VMs have this');
  },
  shareRefusal: (transport) => (transport === 'hostfs' ? 'hostfs is for UML VMs; QEMU VMs use 9p or virtiofs' : null),
  disk: {
    baseFormat: 'qcow2',
    layerFormat: 'qcow2',
    madeAtFirstStart: null,
    // QEMU reads every format qemu-img makes, but not UML's COW files.
    bootsChain: (formats) => !formats.includes('uml-cow'),
    defaultImage: (name) => name,
    baseRefusal: (image) => `a QEMU VM needs a qcow2 base; '${image.name}' is ${image.format}`,
    foreignChain: 'a UML COW chain cannot boot a QEMU VM',
  },
};
