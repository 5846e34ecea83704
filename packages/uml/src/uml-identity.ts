import { closeSync, constants, fstatSync, readFileSync, readlinkSync } from 'node:fs';
import {
  BeneathError,
  BWRAP,
  childrenOf,
  fdProcPath,
  identify,
  isSameProcess,
  openAt,
  openProcess,
  openRootDir,
  pidNamespaceMembers,
  procInfo,
  waitFor,
  type ProcIdentity,
  type ProcInfo,
} from '@strata/host';
import { umid } from './uml-argv.js';
import { writeServerFile, type Owner } from './vm-dir.js';

/**
 * A UML VM's processes as recorded at launch: bubblewrap (the server's child, root), the
 * sandbox's pid 1 (bubblewrap's init, root; from --info-fd) and the kernel (its only child, the
 * UML user). Nothing is ever found by command line: any local user, or a guest that runs code in
 * its sandbox, can start a process whose arguments read like a kernel of any VM.
 */
export interface UmlIdentity {
  bwrap: ProcIdentity;
  init: ProcIdentity;
  kernel: ProcIdentity;
}

export const PID_FILE = 'uml.pid';

const matches = (id: ProcIdentity, info: ProcInfo | null, ppid: number | null, uid: number): boolean =>
  info !== null && info.startTime === id.startTime && info.uid === uid && (ppid === null || info.ppid === ppid);

/** bubblewrap and its init, each still the recorded root process, init still bubblewrap's child. */
const sandboxAlive = (id: UmlIdentity): boolean =>
  matches(id.bwrap, procInfo(id.bwrap.pid), null, 0) && matches(id.init, procInfo(id.init.pid), id.bwrap.pid, 0);

/** The whole recorded chain is still there: bubblewrap → init → kernel, each with its start time and owner. */
export const verifyUml = (id: UmlIdentity, owner: Owner): boolean =>
  sandboxAlive(id) && matches(id.kernel, procInfo(id.kernel.pid), id.init.pid, owner.uid);

/**
 * /proc/<kernel> held open once the chain is verified: namespaces and root opened beneath it
 * belong to the recorded kernel, or cannot be opened at all if it has ended.
 */
export function openKernel(id: UmlIdentity, owner: Owner): number | null {
  const fd = openProcess(id.kernel, (info) => info.ppid === id.init.pid && info.uid === owner.uid);
  if (fd === null) return null;
  if (sandboxAlive(id)) return fd;
  closeSync(fd);
  return null;
}

/** Every process of the VM: bubblewrap, and everything in its pid namespace (init, kernel, guest processes). */
export const umlProcesses = (id: UmlIdentity): number[] => (sandboxAlive(id) ? [id.bwrap.pid, ...pidNamespaceMembers(id.init.pid)] : []);

/**
 * SIGKILL to the sandbox's pid 1 ends everything in its pid namespace; bubblewrap then exits.
 * Each is signalled only while it is still the recorded process. The init is known by its pid,
 * start time and owner alone, not by its parent: with bubblewrap killed (the OOM killer, an
 * admin) it is reparented, and the UML kernel under it would otherwise live on, a second writer
 * of its COW file once the VM is started again.
 */
export async function killSandbox(id: UmlIdentity, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    () => {
      const initOurs = matches(id.init, procInfo(id.init.pid), null, 0);
      const bwrapOurs = matches(id.bwrap, procInfo(id.bwrap.pid), null, 0);
      for (const [ours, pid] of [
        [initOurs, id.init.pid],
        [bwrapOurs, id.bwrap.pid],
      ] as const) {
        if (!ours) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      return initOurs || bwrapOurs ? undefined : true;
    },
    timeoutMs,
    'the UML sandbox to exit',
  );
}

/** The kernel: the child of the sandbox's init, running as the UML user (setpriv has exec'd it). */
export function findKernel(bwrap: ProcIdentity, initPid: number, owner: Owner): UmlIdentity | null {
  const init = procInfo(initPid);
  if (!init || init.ppid !== bwrap.pid || init.uid !== 0) return null;
  const kernels = childrenOf(initPid).filter((p) => {
    const info = procInfo(p);
    return info?.uid === owner.uid && info.nsPids.at(-1) === 2;
  });
  if (kernels.length !== 1) return null;
  const kernel = identify(kernels[0]!);
  return kernel ? { bwrap, init: { pid: initPid, startTime: init.startTime }, kernel } : null;
}

export function recordUml(dirFd: number, id: UmlIdentity): void {
  writeServerFile(dirFd, PID_FILE, JSON.stringify(id));
}

const isIdentity = (v: unknown): v is ProcIdentity =>
  typeof v === 'object' &&
  v !== null &&
  Number.isInteger((v as ProcIdentity).pid) &&
  (v as ProcIdentity).pid > 0 &&
  Number.isInteger((v as ProcIdentity).startTime);

/**
 * The record in the VM directory: a root-owned plain file with one link, read through the held
 * directory (never a planted symlink). A bare pid is the layout before start times were recorded.
 */
export function readUmlRecord(dir: string): UmlIdentity | { legacyPid: number } | null {
  let dirFd: number;
  try {
    dirFd = openRootDir(dir);
  } catch {
    return null;
  }
  let text: string;
  try {
    const fd = openAt(dirFd, PID_FILE, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.nlink !== 1 || st.uid !== 0) return null;
      text = readFileSync(fdProcPath(fd), 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof BeneathError || (err as NodeJS.ErrnoException).code) return null;
    throw err;
  } finally {
    closeSync(dirFd);
  }
  if (/^\s*\d+\s*$/.test(text)) return { legacyPid: Number(text) };
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    return isIdentity(v.bwrap) && isIdentity(v.init) && isIdentity(v.kernel) ? { bwrap: v.bwrap, init: v.init, kernel: v.kernel } : null;
  } catch {
    return null;
  }
}

/**
 * A sandbox started before start times were recorded (a server upgrade while it runs): accepted
 * only as a root process running bubblewrap whose arguments (root's, which no one else can
 * rewrite) name this VM, with its init and kernel found by parentage as at launch.
 */
export function legacyIdentity(pid: number, vmId: string, owner: Owner): UmlIdentity | null {
  const info = procInfo(pid);
  if (!info || info.uid !== 0) return null;
  try {
    if (readlinkSync(`/proc/${pid}/exe`) !== BWRAP) return null;
    if (
      !readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .includes(`umid=${umid(vmId)}`)
    )
      return null;
  } catch {
    return null;
  }
  const inits = childrenOf(pid).filter((p) => procInfo(p)?.uid === 0);
  if (inits.length !== 1) return null;
  const bwrap = { pid, startTime: info.startTime };
  const found = findKernel(bwrap, inits[0]!, owner);
  return found && isSameProcess(bwrap) ? found : null;
}

/** The VM's recorded sandbox, if it is still the one recorded (upgrading a legacy record as it goes). */
export function currentUml(
  dir: string,
  dirFd: number | null,
  vmId: string,
  owner: Owner,
  fallbackPid: number | null = null,
): UmlIdentity | null {
  const record = readUmlRecord(dir) ?? (fallbackPid ? { legacyPid: fallbackPid } : null);
  if (!record) return null;
  if (!('legacyPid' in record)) return sandboxAlive(record) ? record : null;
  const found = legacyIdentity(record.legacyPid, vmId, owner);
  if (found && dirFd !== null) recordUml(dirFd, found);
  return found;
}
