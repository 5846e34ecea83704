export interface CpuTopologyInfo {
  model: string;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  logicalCpus: number;
  hyperThreading: boolean;
  virtualization: 'vmx' | 'svm' | null;
  ept: boolean;
  vpid: boolean;
}

/**
 * Sockets are the distinct "physical id"s, cores per socket is "cpu cores",
 * and hyper-threading is on when "siblings" (logical CPUs per socket) exceeds "cpu cores".
 */
export function parseCpuinfo(text: string): CpuTopologyInfo {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string, name: string): string | undefined => block.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
  const physicalIds = new Set(blocks.map((b) => field(b, 'physical id') ?? '0'));
  const first = blocks[0] ?? '';
  const logicalCpus = Math.max(blocks.length, 1);
  const sockets = Math.max(physicalIds.size, 1);
  const coresPerSocket = Number(field(first, 'cpu cores') ?? logicalCpus / sockets) || 1;
  const siblings = Number(field(first, 'siblings') ?? coresPerSocket) || coresPerSocket;
  const flags = new Set(`${field(first, 'flags') ?? ''} ${field(first, 'vmx flags') ?? ''}`.split(/\s+/));
  return {
    model: field(first, 'model name') ?? 'unknown',
    sockets,
    coresPerSocket,
    threadsPerCore: Math.max(1, Math.round(siblings / coresPerSocket)),
    logicalCpus,
    hyperThreading: siblings > coresPerSocket,
    virtualization: flags.has('vmx') ? 'vmx' : flags.has('svm') ? 'svm' : null,
    ept: flags.has('ept') || flags.has('npt'),
    vpid: flags.has('vpid'),
  };
}

export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } {
  const kib = (name: string) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) * 1024;
  return { totalBytes: kib('MemTotal'), availableBytes: kib('MemAvailable') };
}

/** "QEMU emulator version 7.2.22 (Debian ...)" → "7.2.22"; "bubblewrap 0.8.0" → "0.8.0". */
export function parseVersion(text: string): string | null {
  return text.match(/version\s+(\d+(?:\.\d+)+)/i)?.[1] ?? text.match(/^(?:[a-z][\w-]*\s+)?(\d+(?:\.\d+)+\S*)/im)?.[1] ?? null;
}
