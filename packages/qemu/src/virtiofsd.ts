import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import type { LaunchShare, VirtiofsOptionsRecord } from '@strata/core';
import { BWRAP, BWRAP_MERGED_USR, killAndWait, noSetIdFilter, processesWithArg, runOk, VIRTIOFSD, waitFor } from '@strata/host';
import { runLogTail, RUN_MARKER } from './log-tail.js';

export const VIRTIOFSD_RUN_DIR = '/var/run/virtiofsd';

export const virtiofsdPaths = (dir: string, tag: string) => ({
  socket: `${dir}/vfs-${tag}.sock`,
  log: `${dir}/vfs-${tag}.log`,
  lifeline: `${dir}/vfs-${tag}.life`,
});

/** virtiofsd names its pidfile after the socket path, slashes turned into dots. */
export const daemonPidFile = (socket: string, runDir = VIRTIOFSD_RUN_DIR): string => `${runDir}/${socket.replace(/\//g, '.')}.pid`;

const socketArg = (socket: string) => `--socket-path=${socket}`;

/** Where the held share directory is bound inside the daemon's sandbox; only bubblewrap writes this name. */
export const VIRTIOFS_SOURCE = '/share';
/** The daemon inherits the held share directory as this descriptor. */
export const SHARE_FD = 3;
/** bubblewrap reads the seccomp program from this descriptor, then closes it before the daemon runs. */
export const SECCOMP_FD = 4;
/**
 * The write end of the share's lifeline FIFO: every virtiofsd process of the share (the daemon and
 * the child it forks per connection) holds it, so a reader sees end-of-file the moment the last one
 * dies, SIGKILL included. bubblewrap's own monitor does not keep it.
 */
export const LIFELINE_FD = 5;
/**
 * A guest's file capabilities live under a name the host kernel ignores (the guest still sees
 * `security.capability`); the client cannot reach the `user.virtiofs.` names directly, and the host's
 * own capabilities stay hidden. A plain "bad" rule is not an option: virtiofsd 7.2 exits at start
 * when `security.capability` does not map to a name.
 */
export const XATTRMAP = ':map:security.capability:user.virtiofs.:';

/**
 * One daemon per share per VM run, always inside bubblewrap: a fresh root holding only /usr, the
 * VM directory (for the socket) and the share, which is the directory the server opened and
 * checked, bound from its descriptor (`--bind-fd`). virtiofsd's `source=` names that fixed place,
 * so no path a guest or local user can rename is ever resolved again. Read-only shares are a
 * read-only bind (virtiofsd 7.2 has no read-only switch). `modcaps=-mknod` keeps guest device nodes
 * off the host; `killpriv_v2` clears setuid/setgid when a guest writes to such a file.
 *
 * virtiofsd runs as root with no uid mapping, so whatever mode a guest asks for lands on the host as
 * root's. bubblewrap's seccomp filter (noSetIdFilter) refuses every chmod, create and mknod that
 * would set a setuid or setgid bit; file capabilities are kept off by XATTRMAP, and dropping
 * CAP_SETFCAP makes the kernel refuse the real name should anything get past the map.
 */
export function virtiofsdArgv(share: LaunchShare & { options: VirtiofsOptionsRecord }, socket: string, dir: string): string[] {
  const o = share.options;
  const daemon = [
    VIRTIOFSD,
    socketArg(socket),
    '-o',
    `source=${VIRTIOFS_SOURCE}`,
    '-o',
    'sandbox=namespace',
    '-o',
    `cache=${o.cache}`,
    '-o',
    'modcaps=-mknod:-setfcap',
    '-o',
    'killpriv_v2',
    ...(o.xattr ? ['-o', 'xattr', '-o', `xattrmap=${XATTRMAP}`] : ['-o', 'no_xattr']),
    '-o',
    o.posixAcl ? 'posix_acl' : 'no_posix_acl',
    '-o',
    o.writeback ? 'writeback' : 'no_writeback',
    `--thread-pool-size=${o.threadPoolSize}`,
  ];
  return [
    BWRAP,
    ...BWRAP_MERGED_USR,
    '--symlink',
    'usr/sbin',
    '/sbin',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--bind',
    dir,
    dir,
    share.readonly ? '--ro-bind-fd' : '--bind-fd',
    String(SHARE_FD),
    VIRTIOFS_SOURCE,
    '--seccomp',
    String(SECCOMP_FD),
    '--',
    ...daemon,
  ];
}

/**
 * bubblewrap reads the program to end of file, so the write side is shut and our end closed once
 * the bytes are in the socket; nothing of it stays open in the server or reaches the daemon.
 */
function feedSeccomp(child: ChildProcess): void {
  const stream = child.stdio[SECCOMP_FD];
  if (!(stream instanceof Socket)) {
    child.kill('SIGKILL');
    throw new Error('virtiofsd: no descriptor for the seccomp program');
  }
  // bubblewrap failing before it reads shows up as its exit, reported below; EPIPE here adds nothing.
  stream.on('error', () => undefined);
  stream.end(noSetIdFilter(), () => stream.destroy());
}

/** Every process serving this socket: bubblewrap, the daemon and the child it forks per connection. */
const daemonsOn = (socket: string): number[] => processesWithArg(socketArg(socket));

const killAll = (socket: string): Promise<void> => killAndWait(() => daemonsOn(socket), `virtiofsd on ${socket} to exit`, 5000);

async function clearSocket(socket: string): Promise<void> {
  await killAll(socket);
  rmSync(socket, { force: true });
  rmSync(daemonPidFile(socket), { force: true });
  rmSync(socket.replace(/\.sock$/, '.life'), { force: true });
}

/** A fresh FIFO, root's alone; the VM directory is the server's, so the name cannot be raced. */
async function makeLifeline(path: string): Promise<number> {
  rmSync(path, { force: true });
  await runOk(['mkfifo', '-m', '0600', path]);
  // O_RDWR: a FIFO opened so never waits for the other side (Linux); the daemon inherits it as a writer.
  return openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

/**
 * Starts the daemon on the share directory held by `shareFd` (see openShareDir) and waits for its
 * socket; QEMU connects to it next. The caller keeps and closes `shareFd`.
 */
export async function startVirtiofsd(share: LaunchShare & { options: VirtiofsOptionsRecord }, dir: string, shareFd: number): Promise<void> {
  const paths = virtiofsdPaths(dir, share.tag);
  await clearSocket(paths.socket);
  const argv = virtiofsdArgv(share, paths.socket, dir);
  const lifeline = await makeLifeline(paths.lifeline);
  const log = openSync(paths.log, 'a');
  writeSync(log, `${RUN_MARKER} ${new Date().toISOString()}\n`);
  // Detached like QEMU: it must outlive a server restart while its VM runs.
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log, shareFd, 'pipe', lifeline] });
  closeSync(log);
  closeSync(lifeline);
  feedSeccomp(child);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.unref();
  try {
    await waitFor(() => (exited !== null || existsSync(paths.socket) ? true : undefined), 10_000, `virtiofsd's socket for ${share.tag}`);
  } catch (err) {
    await killAll(paths.socket);
    throw err;
  }
  if (exited !== null) {
    const tail = (await runLogTail(paths.log, 5)).join('\n');
    throw new Error(`virtiofsd for share ${share.tag} exited: ${tail || `code ${exited}`}`);
  }
}

export const stopVirtiofsd = (dir: string, tag: string): Promise<void> => clearSocket(virtiofsdPaths(dir, tag).socket);

/** Ends every daemon of a VM directory and removes their sockets and pidfiles. */
export async function stopVirtiofsds(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const sockets = readdirSync(dir)
    .filter((f) => /^vfs-.+\.sock$/.test(f))
    .map((f) => `${dir}/${f}`);
  for (const socket of sockets) await clearSocket(socket);
}

/** The daemons serving a VM's shares, for tests and metrics. */
export const virtiofsdProcesses = (dir: string, tag: string): number[] => daemonsOn(virtiofsdPaths(dir, tag).socket);

/**
 * Calls `onLost` once when the share's daemon is gone: at once if it already is (after a server
 * restart), else the moment its last process exits, as end-of-file on its lifeline FIFO (an event
 * from the kernel, no polling). Returns a function that stops watching. A VM started before
 * lifelines existed has none: then only the daemon's presence now is checked.
 */
export function watchVirtiofsd(dir: string, tag: string, onLost: () => void): () => void {
  const paths = virtiofsdPaths(dir, tag);
  let fd: number;
  try {
    fd = openSync(paths.lifeline, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    if (daemonsOn(paths.socket).length === 0) setImmediate(onLost);
    return () => undefined;
  }
  // Something else put in its place (only a compromised daemon could): not a lifeline to trust.
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    if (daemonsOn(paths.socket).length === 0) setImmediate(onLost);
    return () => undefined;
  }
  let done = false;
  const lost = () => {
    if (done) return;
    done = true;
    onLost();
  };
  try {
    // With no writer left a read says end-of-file at once; the kernel reports no hang-up to a
    // reader that opened after the last writer was gone, so this read is what tells.
    if (readSync(fd, Buffer.alloc(1)) === 0) {
      closeSync(fd);
      setImmediate(lost);
      return () => (done = true);
    }
  } catch {
    // EAGAIN: a writer lives; wait for the end below.
  }
  const reader = new Socket({ fd, readable: true, writable: false });
  reader.on('end', lost);
  reader.on('error', lost);
  reader.on('close', lost);
  reader.resume();
  return () => {
    done = true;
    reader.destroy();
  };
}
