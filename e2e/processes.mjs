import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of processes whose command line mentions `needle` (VMs left behind by a data dir). */
export function pidsMentioning(needle) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

export function killAll(needle) {
  for (const pid of pidsMentioning(needle)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Takes back every mount under `prefix` (the server binds share roots nosuid,nodev and keeps the
 * binds after it stops), deepest first, so the directory can be removed.
 */
export function unmountAll(prefix) {
  for (let round = 0; round < 20; round++) {
    const points = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
      .filter((p) => p !== undefined && (p === prefix.replace(/\/$/, '') || p.startsWith(prefix)));
    if (points.length === 0) return;
    for (const p of points.sort((a, b) => b.length - a.length)) spawnSync('umount', [p]);
  }
  throw new Error(`mounts under ${prefix} would not go away`);
}
