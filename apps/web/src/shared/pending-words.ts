import type { Vm } from '@strata/contract';

const topology = (c: Vm['cpu']) => `${c.sockets}×${c.cores}×${c.threads}`;
const orNone = (v: string | null, none: string) => v ?? none;

/**
 * Each change waiting for the next start, as "memory 512 → 1024 MiB": the value the running
 * process has, then the one a restart gives it.
 */
export function pendingWords(vm: Vm): string[] {
  const p = vm.pending;
  if (!p) return [];
  const words: string[] = [];
  if (p.memoryMiB !== undefined) words.push(`memory ${vm.memoryMiB} → ${p.memoryMiB} MiB`);
  if (p.cpu !== undefined) words.push(`topology ${topology(vm.cpu)} → ${topology(p.cpu)} (sockets × cores × threads)`);
  if (p.vcpus !== undefined) words.push(`vCPUs ${vm.vcpus} → ${p.vcpus}`);
  if (p.cpuModel !== undefined) words.push(`CPU model ${orNone(vm.cpuModel, 'default')} → ${orNone(p.cpuModel, 'default')}`);
  if (p.accelerator !== undefined) words.push(`accelerator ${vm.accelerator} → ${p.accelerator}`);
  for (const disk of p.disks ?? []) {
    const now = vm.disks.find((d) => d.id === disk.id)?.bus;
    if (now && now !== disk.bus) words.push(`${disk.id} bus ${now} → ${disk.bus}`);
  }
  if (p.cdrom !== undefined) words.push(`CD-ROM ${orNone(vm.cdrom, 'empty')} → ${orNone(p.cdrom, 'empty')}`);
  if (p.network !== undefined) {
    const forwards = (n: Vm['network']) => (n.mode === 'user' ? `user-mode, ${n.forwards.length} port forward(s)` : 'none');
    words.push(`network ${forwards(vm.network)} → ${forwards(p.network)}`);
  }
  if (p.boot !== undefined) words.push(`boot order ${vm.boot.order} → ${p.boot.order}`);
  if (p.umlMemoryDir !== undefined)
    words.push(`memory file in ${orNone(vm.umlMemoryDir, 'the VM directory')} → ${orNone(p.umlMemoryDir, 'the VM directory')}`);
  if (p.umlRootShareId !== undefined) words.push(`root share ${orNone(vm.umlRootShareId, 'none')} → ${orNone(p.umlRootShareId, 'none')}`);
  return words;
}
