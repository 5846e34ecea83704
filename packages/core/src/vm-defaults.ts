import type { BootOrder, Hypervisor, Network, Pinning } from '@strata/contract';
import type { VmRecord } from './records.js';
import { vcpuCount } from './vm-spec.js';

export const DEFAULT_NETWORK: Network = { mode: 'user', forwards: [] };
export const DEFAULT_BOOT: BootOrder = { order: 'c', menu: false };
export const DEFAULT_PINNING: Pinning = { vcpus: [], emulatorCpus: null };
export const DEFAULT_SHUTDOWN_TIMEOUT_SEC = 60;

/** Records written by older versions lack later fields: fill them in as they are read. */
export function withDefaults(stored: Partial<VmRecord> & Pick<VmRecord, 'id' | 'name' | 'cpu'>): VmRecord {
  return {
    vcpus: vcpuCount(stored.cpu),
    cpuModel: null,
    cdrom: null,
    shares: [],
    pinning: DEFAULT_PINNING,
    balloonMiB: null,
    network: DEFAULT_NETWORK,
    boot: DEFAULT_BOOT,
    shutdownTimeoutSec: DEFAULT_SHUTDOWN_TIMEOUT_SEC,
    shutdownDeadline: null,
    umlMemoryDir: null,
    umlRootShareId: null,
    ...stored,
  } as VmRecord;
}

export const DEFAULT_HYPERVISOR: Hypervisor = 'qemu';
