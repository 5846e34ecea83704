import { MEMORY_MIB_MIN, VCPUS_MAX, type CpuTopology } from '@strata/contract';
import { invalid } from './errors.js';

export const DEFAULT_CPU: CpuTopology = { sockets: 1, cores: 1, threads: 1 };
export const DEFAULT_MEMORY_MIB = 256;

export const vcpuCount = (cpu: CpuTopology): number => cpu.sockets * cpu.cores * cpu.threads;

export interface HostLimits {
  logicalCpus: number;
  memoryBytes: number;
}

/** Checks that are about how fields relate to each other or to the host; the schema checks the rest. */
export function validateTopology(cpu: CpuTopology, field = 'body.cpu'): void {
  const total = vcpuCount(cpu);
  if (total > VCPUS_MAX) {
    throw invalid(field, `sockets × cores × threads = ${total} vCPUs; at most ${VCPUS_MAX} are supported`);
  }
}

export function validateMemory(memoryMiB: number, host: HostLimits, field = 'body.memoryMiB'): void {
  // The schema refuses less too; this guards callers that do not go through it.
  if (memoryMiB < MEMORY_MIB_MIN) {
    throw invalid(field, `${memoryMiB} MiB is too little for the guest kernel; give at least ${MEMORY_MIB_MIN} MiB`);
  }
  const hostMiB = Math.floor(host.memoryBytes / 1048576);
  if (memoryMiB > hostMiB) {
    throw invalid(field, `${memoryMiB} MiB is more than the host's ${hostMiB} MiB of memory`);
  }
}

/** A VM with more vCPUs than the host has logical CPUs runs slower, not faster: its vCPU threads wait for each other. */
export function topologyWarnings(cpu: CpuTopology, host: HostLimits): string[] {
  const total = vcpuCount(cpu);
  return total > host.logicalCpus
    ? [`${total} vCPUs exceed the host's ${host.logicalCpus} logical CPUs: over-committing one VM's CPUs slows it down badly`]
    : [];
}

export function validateVcpus(vcpus: number, cpu: CpuTopology, field = 'body.vcpus'): void {
  const max = vcpuCount(cpu);
  if (vcpus > max) {
    throw invalid(field, `${vcpus} vCPUs do not fit the topology: sockets × cores × threads = ${max} is the maximum`);
  }
}

/** Each pin names a vCPU the VM has and host CPUs that exist. */
export function validatePinning(
  pins: { index: number; cpus: number[] }[],
  maxVcpus: number,
  hostCpus: number,
  emulatorCpus?: number[] | null,
): void {
  const seen = new Set<number>();
  pins.forEach((pin, i) => {
    if (pin.index >= maxVcpus)
      throw invalid(`body.vcpus.${i}.index`, `vCPU ${pin.index} does not exist: this VM has vCPUs 0 to ${maxVcpus - 1}`);
    if (seen.has(pin.index)) throw invalid(`body.vcpus.${i}.index`, `vCPU ${pin.index} is pinned twice`);
    seen.add(pin.index);
    const bad = pin.cpus.find((c) => c >= hostCpus);
    if (bad !== undefined) throw invalid(`body.vcpus.${i}.cpus`, `host CPU ${bad} does not exist: this host has CPUs 0 to ${hostCpus - 1}`);
  });
  const badEmulator = emulatorCpus?.find((c) => c >= hostCpus);
  if (badEmulator !== undefined)
    throw invalid('body.emulatorCpus', `host CPU ${badEmulator} does not exist: this host has CPUs 0 to ${hostCpus - 1}`);
}

export function validateForwards(forwards: { protocol: string; hostPort: number }[], field = 'body.network.forwards'): void {
  const seen = new Set<string>();
  forwards.forEach((f, i) => {
    const key = `${f.protocol}:${f.hostPort}`;
    if (seen.has(key)) throw invalid(`${field}.${i}.hostPort`, `host port ${f.protocol}/${f.hostPort} is forwarded twice`);
    seen.add(key);
  });
}
