import { closeSync, constants, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * A process as recorded when it was started: a pid alone can be reused, and a command line can be
 * forged by anyone, but no other process can have the same pid with the same start time.
 */
export interface ProcIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22, clock ticks after boot; exec does not change it. */
  startTime: number;
}

export interface ProcInfo {
  ppid: number;
  startTime: number;
  /** Real uid. */
  uid: number;
  /** The pid as each pid namespace sees it, outermost first (NSpid). */
  nsPids: number[];
}

/** The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'. */
export function parseStat(text: string): { state: string; ppid: number; startTime: number } {
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0]!, ppid: Number(f[1]), startTime: Number(f[19]) };
}

/** What a /proc/<pid> directory says, or null once the process is gone or a zombie. */
function infoIn(procDir: string): ProcInfo | null {
  try {
    const stat = parseStat(readFileSync(`${procDir}/stat`, 'utf8'));
    if (stat.state === 'Z' || stat.state === 'X') return null;
    const status = readFileSync(`${procDir}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    const nsPids = (/^NSpid:\s+([\d\s]+)$/m.exec(status)?.[1] ?? '').trim().split(/\s+/).map(Number);
    return { ppid: stat.ppid, startTime: stat.startTime, uid, nsPids };
  } catch {
    return null;
  }
}

export const procInfo = (pid: number): ProcInfo | null => infoIn(`/proc/${pid}`);

/** The identity of a live process now (to record it at launch). */
export function identify(pid: number): ProcIdentity | null {
  const info = procInfo(pid);
  return info ? { pid, startTime: info.startTime } : null;
}

/** Whether `id` still names the recorded process (a reused pid has another start time). */
export const isSameProcess = (id: ProcIdentity): boolean => procInfo(id.pid)?.startTime === id.startTime;

/**
 * /proc/<pid> of exactly `id`, held open: the directory stays bound to that process, so what is
 * read or opened beneath `/proc/self/fd/<fd>/` afterwards is that process's (or fails once it has
 * ended), even if its pid is reused meanwhile. `check` sees the process's details through the
 * descriptor. Null when the process is gone or is not `id`.
 */
export function openProcess(id: ProcIdentity, check: (info: ProcInfo) => boolean = () => true): number | null {
  let fd: number;
  try {
    fd = openSync(`/proc/${id.pid}`, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return null;
  }
  const info = infoIn(`/proc/self/fd/${fd}`);
  if (info && info.startTime === id.startTime && check(info)) return fd;
  closeSync(fd);
  return null;
}

/** Live processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => procInfo(p)?.ppid === pid);
}

/** Live processes in the pid namespace `pid` is in (read /proc/<pid>/ns/pid of a verified process first). */
export function pidNamespaceMembers(pid: number): number[] {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return [];
  }
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/ns/pid`) === ns && procInfo(p) !== null;
      } catch {
        return false;
      }
    });
}
