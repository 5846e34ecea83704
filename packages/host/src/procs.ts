import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { waitFor } from './wait.js';

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

/** The arguments of a live process, or null when it is gone or a zombie (a reused pid is the caller's to judge). */
export function commandLine(pid: number): string[] | null {
  try {
    if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) return null;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/** SIGKILLs what `find` returns until it returns nothing (processes may fork meanwhile), or throws after `timeoutMs`. */
export async function killAndWait(find: () => number[], what: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    () => {
      const pids = find();
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      return pids.length === 0 ? true : undefined;
    },
    timeoutMs,
    what,
  );
}

/** The pid in a pidfile, or null when there is none. */
export function readPidFile(path: string): number | null {
  if (!existsSync(path)) return null;
  const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
