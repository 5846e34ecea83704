import { Type, type Static } from 'typebox';
import { ShareTransport } from './shares.js';

/** Written out rather than imported: vms.ts imports this file, and a cycle would leave DiskBus unset here. */
const Bus = Type.Union([Type.Literal('virtio'), Type.Literal('scsi'), Type.Literal('ide')]);

/**
 * What the VM's hypervisor can do, as its driver declares it: clients offer only these actions
 * and fields instead of learning each hypervisor's limits by name.
 */
export const VmCapabilities = Type.Object(
  {
    multiprocessor: Type.Boolean({ description: 'more than one vCPU (a topology of sockets, cores and threads)' }),
    cpuModels: Type.Boolean({ description: 'a CPU model can be chosen' }),
    accelerators: Type.Boolean({ description: 'KVM or TCG can be chosen' }),
    vcpuPinning: Type.Union([Type.Literal('per-vcpu'), Type.Literal('whole-vm')], {
      description: 'per-vcpu: each vCPU thread and the other threads apart; whole-vm: every thread of the VM to one CPU set',
    }),
    balloon: Type.Boolean({ description: 'a memory balloon target' }),
    cdrom: Type.Boolean(),
    bootOrder: Type.Boolean(),
    network: Type.Boolean({ description: 'a network other than none' }),
    diskBuses: Type.Array(Bus),
    shareTransports: Type.Array(ShareTransport),
    hotplug: Type.Object({
      vcpus: Type.Boolean(),
      shares: Type.Array(ShareTransport, { description: 'transports plugged into a running VM (virtiofs: when it started with one)' }),
      scratchDisks: Type.Boolean(),
    }),
    liveSnapshot: Type.Boolean({ description: 'a disk snapshot while the VM runs' }),
    liveMerge: Type.Boolean({ description: 'merges while the VM runs' }),
    metrics: Type.Boolean({ description: 'CPU, memory and disk counters for the metrics sampler' }),
    mconsole: Type.Boolean({ description: "UML's management console actions" }),
  },
  { additionalProperties: false },
);
export type VmCapabilities = Static<typeof VmCapabilities>;
