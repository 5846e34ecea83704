import type { ShareTransport, Vm } from '@strata/contract';
import { formatMiB } from '../../components/format';
import { isActive } from '../../shared/vm-state';

export interface MemoryNote {
  tone: 'info' | 'warn';
  text: string;
}

const MiB = 1048576;

/**
 * What giving a new VM `memoryMiB` means for the host: measured against its RAM, the memory the
 * VMs running now are given, and what every defined VM is given (were they all started). Nothing
 * is refused: over-commit is the user's call, said plainly before they make it.
 */
export function memoryNotes(
  memoryMiB: number,
  host: { totalBytes: number; availableBytes: number },
  vms: Pick<Vm, 'state' | 'memoryMiB'>[],
): MemoryNote[] {
  const totalMiB = Math.floor(host.totalBytes / MiB);
  const availableMiB = Math.floor(host.availableBytes / MiB);
  const runningMiB = vms.filter(isActive).reduce((sum, v) => sum + v.memoryMiB, 0);
  const allMiB = vms.reduce((sum, v) => sum + v.memoryMiB, 0);
  const notes: MemoryNote[] = [];
  if (memoryMiB > totalMiB) {
    notes.push({
      tone: 'warn',
      text: `${formatMiB(memoryMiB)} is more than this host's ${formatMiB(totalMiB)} of RAM: the guest would be swapped or killed once it uses it.`,
    });
  } else if (memoryMiB + runningMiB > totalMiB) {
    notes.push({
      tone: 'warn',
      text: `With the running VMs' ${formatMiB(runningMiB)}, starting this one gives out ${formatMiB(memoryMiB + runningMiB)} of the host's ${formatMiB(totalMiB)}: memory over-committed.`,
    });
  } else if (memoryMiB > availableMiB) {
    notes.push({
      tone: 'warn',
      text: `Only ${formatMiB(availableMiB)} is free on the host now; this VM would push others (or the host) into swap.`,
    });
  }
  if (memoryMiB + allMiB > totalMiB && memoryMiB + runningMiB <= totalMiB) {
    notes.push({
      tone: 'info',
      text: `All VMs together would be given ${formatMiB(memoryMiB + allMiB)} of ${formatMiB(totalMiB)}: they cannot all run at once without over-commit.`,
    });
  }
  return notes;
}

/** The topology behind a vCPU count in the simple form: one socket with that many cores. */
export const simpleTopology = (vcpus: number) => ({ sockets: 1, cores: Math.max(1, vcpus), threads: 1 });

/** A mount tag from a share's name: what the guest mounts it as at /mnt/<tag>. */
export const tagFor = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 31) || 'share';

/** The transport a new VM gets for a share attached from the create form: the fastest its hypervisor and host offer. */
export const transportFor = (hypervisor: 'qemu' | 'uml', virtiofs: boolean): ShareTransport =>
  hypervisor === 'uml' ? 'hostfs' : virtiofs ? 'virtiofs' : '9p';

/** Tags for several shares on one VM: a second share whose name gives the same tag gets a number. */
export function uniqueTags(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((n) => {
    const base = tagFor(n);
    let tag = base;
    for (let i = 2; used.has(tag); i++) tag = `${base.slice(0, 28)}-${i}`;
    used.add(tag);
    return tag;
  });
}
