import { readdirSync, readFileSync } from 'node:fs';

/** Live (non-zombie) processes whose command line contains `arg` as one whole argument. */
export function processesWithArg(arg: string, procRoot = '/proc'): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`${procRoot}/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) continue;
      if (/^State:\s+Z/m.test(readFileSync(`${procRoot}/${entry}/status`, 'utf8'))) continue;
      pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** The process's children, from /proc/<pid>/task/<pid>/children. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
