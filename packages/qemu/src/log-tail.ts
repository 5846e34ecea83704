import { readTail } from '@strata/host';

/** The last `lines` lines of a file, reading at most `maxBytes` from its end; [] if it does not exist. */
export async function tailLines(path: string, lines: number, maxBytes = 65536): Promise<string[]> {
  const text = (await readTail(path, maxBytes)).toString('utf8');
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0)
    .slice(-lines);
}

/** Starts each run's section of a VM's QEMU log. */
export const RUN_MARKER = '--- strata: QEMU started';

/** The last lines QEMU wrote during its latest run (not earlier runs' leftovers). */
export async function runLogTail(path: string, lines: number): Promise<string[]> {
  const all = await tailLines(path, 200);
  const start = all.map((l) => l.startsWith(RUN_MARKER)).lastIndexOf(true);
  return all.slice(start + 1).slice(-lines);
}
