import type { VmCapabilities } from '@strata/contract';
import { DEFAULT_BOOT, invalid, vcpuCount, type HypervisorRules } from '@strata/core';

export const UML_CAPABILITIES: VmCapabilities = {
  multiprocessor: false,
  cpuModels: false,
  accelerators: false,
  vcpuPinning: 'whole-vm',
  balloon: false,
  cdrom: false,
  bootOrder: false,
  network: false,
  // ubd devices: no bus to choose.
  diskBuses: [],
  shareTransports: ['hostfs'],
  hotplug: { vcpus: false, shares: [], scratchDisks: true },
  // uml_moo merges a COW offline; a COW cannot stand on a COW.
  liveSnapshot: false,
  liveMerge: false,
  metrics: true,
  mconsole: true,
};

const NOT_UML_FIELDS = ['cpu', 'vcpus', 'cpuModel', 'balloonMiB', 'accelerator', 'cdrom', 'network', 'disks'] as const;

/**
 * UML, as its documentation describes it: uniprocessor, no network or CD-ROM here, the raw base
 * under a COW file that UML makes on first use. Refused fields say why instead of being ignored.
 */
export const UML_RULES: HypervisorRules = {
  checkCreate(body) {
    if (body.cpu && vcpuCount(body.cpu) !== 1) throw invalid('body.cpu', 'UML is uniprocessor: it runs one vCPU');
    if (body.vcpus !== undefined && body.vcpus !== 1) throw invalid('body.vcpus', 'UML is uniprocessor: it runs one vCPU');
    if (body.cpuModel) throw invalid('body.cpuModel', 'UML runs on the host CPU; there is no CPU model to choose');
    if (body.cdrom) throw invalid('body.cdrom', 'UML VMs have no CD-ROM drive');
    if (body.accelerator && body.accelerator !== 'auto')
      throw invalid('body.accelerator', 'UML needs no accelerator: it is a Linux kernel running as host processes');
    if (body.network && body.network.mode !== 'none') throw invalid('body.network', 'UML networking is not offered; use mode none');
  },
  shape: (body) => ({
    cpu: { sockets: 1, cores: 1, threads: 1 },
    vcpus: 1,
    cpuModel: null,
    accelerator: 'auto',
    cdrom: null,
    network: { mode: 'none', forwards: [] },
    boot: DEFAULT_BOOT,
    bus: 'virtio',
    umlMemoryDir: body.umlMemoryDir ?? null,
    umlRootShareId: body.umlRootShareId ?? null,
  }),
  checkPatch(patch) {
    const refused = NOT_UML_FIELDS.find((f) => patch[f] !== undefined);
    if (refused) throw invalid(`body.${refused}`, `UML VMs have no ${refused} to change (uniprocessor, no balloon, network or CD-ROM)`);
  },
  shareRefusal: (transport) => (transport === 'hostfs' ? null : 'UML VMs mount shares over hostfs'),
  disk: {
    baseFormat: 'raw',
    layerFormat: 'uml-cow',
    madeAtFirstStart: { extension: 'cow' },
    // A UML disk is a COW file over a raw base; a chain of qcow2 layers is QEMU's.
    bootsChain: (formats) => formats.includes('uml-cow'),
    defaultImage: (name) => `${name}-raw`,
    baseRefusal: (image) => `a UML VM needs a raw base (a COW's backing must be a plain file); '${image.name}' is ${image.format}`,
    foreignChain: 'a UML VM boots from a raw base under a UML COW layer',
  },
};
