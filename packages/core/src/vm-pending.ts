import type { VmPending } from '@strata/contract';
import type { VmRecord } from './records.js';

/**
 * Settings a running process cannot take: saved on a running VM, they wait in `pending` and a
 * start applies them. Everything else either changes live (vCPUs up, the balloon) or at once
 * (the name, which no process carries; the shutdown timeout, read when a shutdown begins).
 */
export const PENDING_FIELDS = [
  'cpu',
  'vcpus',
  'cpuModel',
  'memoryMiB',
  'accelerator',
  'disks',
  'cdrom',
  'network',
  'boot',
  'umlMemoryDir',
  'umlRootShareId',
] as const satisfies readonly (keyof VmPending & keyof VmRecord)[];

/** Values from a request and from the database: equal whatever order their keys came in. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** The record as its next start will see it: the pending values over the running ones. */
export function withPending(vm: VmRecord): VmRecord {
  if (!vm.pending) return vm;
  const { disks: buses, ...rest } = vm.pending;
  // Only each disk's bus waits: which layer is its top may change meanwhile (a live snapshot), and the running record knows that.
  const disks = vm.disks.map((disk) => ({ ...disk, bus: buses?.find((b) => b.id === disk.id)?.bus ?? disk.bus }));
  const merged: VmRecord = { ...vm, ...rest, disks, pending: null };
  // Pins of vCPUs the new topology no longer has would name threads that never exist.
  const max = merged.cpu.sockets * merged.cpu.cores * merged.cpu.threads;
  return { ...merged, pinning: { ...merged.pinning, vcpus: merged.pinning.vcpus.filter((p) => p.index < max) } };
}

/** What differs between the running record and `next` in the fields only a start applies; null when nothing does. */
export function pendingBetween(running: VmRecord, next: Partial<VmRecord>): VmPending | null {
  const pending: Record<string, unknown> = {};
  const buses = next.disks?.map(({ id, bus }) => ({ id, bus }));
  if (
    buses &&
    !same(
      buses,
      running.disks.map(({ id, bus }) => ({ id, bus })),
    )
  )
    pending.disks = buses;
  for (const field of PENDING_FIELDS) {
    if (field === 'disks') continue;
    if (next[field] !== undefined && !same(next[field], running[field])) pending[field] = next[field];
  }
  return Object.keys(pending).length > 0 ? (pending as VmPending) : null;
}

/**
 * vCPUs go in live only when the topology stays as it started (QEMU's maxcpus is fixed) and the
 * count rises: the slots exist and can be plugged. Anything else waits for the next start.
 */
export function vcpusLive(running: VmRecord, next: Pick<VmRecord, 'cpu' | 'vcpus'>, hotplug: boolean): boolean {
  return hotplug && same(next.cpu, running.cpu) && next.vcpus > running.vcpus;
}
