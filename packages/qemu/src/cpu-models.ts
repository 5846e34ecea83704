import { runOk } from '@strata/host';
import { QEMU_BINARY } from './argv.js';

/** Lines of `qemu-system-x86_64 -cpu help` look like "x86 Broadwell   Intel Core Processor (Broadwell)". */
export function parseCpuHelp(output: string): { name: string; description: string }[] {
  const models: { name: string; description: string }[] = [];
  for (const line of output.split('\n')) {
    const match = line.match(/^x86\s+(\S+)\s*(.*)$/);
    if (match) models.push({ name: match[1]!, description: match[2]!.trim() });
  }
  return models;
}

export async function listCpuModels(binary = QEMU_BINARY): Promise<{ name: string; description: string }[]> {
  return parseCpuHelp((await runOk([binary, '-cpu', 'help'])).stdout);
}
