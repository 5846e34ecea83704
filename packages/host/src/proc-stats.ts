import { readdirSync, readFileSync } from 'node:fs';

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** utime + stime (fields 14 and 15 of stat), in clock ticks; 0 once the task is gone. */
function cpuTicks(statPath: string): number {
  const stat = read(statPath);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export const taskCpuTicks = (pid: number, tid: number): number => cpuTicks(`/proc/${pid}/task/${tid}/stat`);

export function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`) ?? '')?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** Bytes through read/write-family calls (rchar, wchar) of a process or one of its threads. */
export function ioChars(path: string): { r: number; w: number } {
  const io = read(path) ?? '';
  return { r: Number(/^rchar:\s+(\d+)/m.exec(io)?.[1] ?? 0), w: Number(/^wchar:\s+(\d+)/m.exec(io)?.[1] ?? 0) };
}

/** Threads of a process with their names (QEMU names them with -name debug-threads=on). */
export function namedThreads(pid: number): { tid: number; comm: string }[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map((t) => ({ tid: Number(t), comm: (read(`/proc/${pid}/task/${t}/comm`) ?? '').trim() }));
  } catch {
    return [];
  }
}

/** /proc/stat's first line: busy and total jiffies of all CPUs. */
export function parseProcStat(text: string): { busy: number; total: number } {
  const cpu = text.split('\n').find((l) => l.startsWith('cpu '));
  const v = (cpu ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** /proc/diskstats lines: device name → sectors read and written, I/Os and ms spent. */
export function parseDiskstats(
  text: string,
): Map<string, { reads: number; sectorsRead: number; readMs: number; writes: number; sectorsWritten: number; writeMs: number }> {
  const out = new Map();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 11) continue;
    out.set(f[2], {
      reads: Number(f[3]),
      sectorsRead: Number(f[5]),
      readMs: Number(f[6]),
      writes: Number(f[7]),
      sectorsWritten: Number(f[9]),
      writeMs: Number(f[10]),
    });
  }
  return out;
}
