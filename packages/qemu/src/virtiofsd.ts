import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import type { LaunchShare, VirtiofsOptionsRecord } from '@strata/core';
import { BWRAP, killAndWait, processesWithArg, VIRTIOFSD, waitFor } from '@strata/host';
import { runLogTail, RUN_MARKER } from './log-tail.js';

export const VIRTIOFSD_RUN_DIR = '/var/run/virtiofsd';

export const virtiofsdPaths = (dir: string, tag: string) => ({
  socket: `${dir}/vfs-${tag}.sock`,
  log: `${dir}/vfs-${tag}.log`,
});

/** virtiofsd names its pidfile after the socket path, slashes turned into dots. */
export const daemonPidFile = (socket: string, runDir = VIRTIOFSD_RUN_DIR): string => `${runDir}/${socket.replace(/\//g, '.')}.pid`;

const socketArg = (socket: string) => `--socket-path=${socket}`;

/**
 * One daemon per share per VM run. `modcaps=-mknod` keeps the guest from making device nodes on
 * the host. virtiofsd 7.2 has no read-only switch, so a read-only share is exported from a private
 * mount namespace (bubblewrap) in which the directory is a read-only bind mount.
 */
export function virtiofsdArgv(share: LaunchShare & { options: VirtiofsOptionsRecord }, socket: string): string[] {
  const o = share.options;
  const daemon = [
    VIRTIOFSD, socketArg(socket),
    '-o', `source=${share.path}`, '-o', 'sandbox=namespace', '-o', `cache=${o.cache}`, '-o', 'modcaps=-mknod',
    '-o', o.xattr ? 'xattr' : 'no_xattr',
    '-o', o.posixAcl ? 'posix_acl' : 'no_posix_acl',
    '-o', o.writeback ? 'writeback' : 'no_writeback',
    `--thread-pool-size=${o.threadPoolSize}`,
  ];
  if (!share.readonly) return daemon;
  return [BWRAP, '--dev-bind', '/', '/', '--ro-bind', share.path, share.path, '--', ...daemon];
}

/** Every process serving this socket: bubblewrap, the daemon and the child it forks per connection. */
const daemonsOn = (socket: string): number[] => processesWithArg(socketArg(socket));

const killAll = (socket: string): Promise<void> => killAndWait(() => daemonsOn(socket), `virtiofsd on ${socket} to exit`, 5000);

async function clearSocket(socket: string): Promise<void> {
  await killAll(socket);
  rmSync(socket, { force: true });
  rmSync(daemonPidFile(socket), { force: true });
}

/** Starts the daemon and waits for its socket; QEMU connects to it next. */
export async function startVirtiofsd(share: LaunchShare & { options: VirtiofsOptionsRecord }, dir: string): Promise<void> {
  const paths = virtiofsdPaths(dir, share.tag);
  await clearSocket(paths.socket);
  const argv = virtiofsdArgv(share, paths.socket);
  const log = openSync(paths.log, 'a');
  writeSync(log, `${RUN_MARKER} ${new Date().toISOString()}\n`);
  // Detached like QEMU: it must outlive a server restart while its VM runs.
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
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
  const sockets = readdirSync(dir).filter((f) => /^vfs-.+\.sock$/.test(f)).map((f) => `${dir}/${f}`);
  for (const socket of sockets) await clearSocket(socket);
}

/** The daemons serving a VM's shares, for tests and metrics. */
export const virtiofsdProcesses = (dir: string, tag: string): number[] => daemonsOn(virtiofsdPaths(dir, tag).socket);
