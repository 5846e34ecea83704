import { closeSync, constants, openSync } from 'node:fs';
import { fdProcPath, run } from '@strata/host';

export class MconsoleError extends Error {}

/** A running UML kernel, held as its /proc directory (see openKernel), and the user it runs as. */
export interface SandboxView {
  procFd: number;
  uid: number;
  gid: number;
}

/**
 * The socket lives in a directory the guest can write (through hostfs), so a symlink planted
 * there could point the root server at another VM's socket. The tool therefore runs in the VM's
 * own mount namespace and root, as its unprivileged user: whatever the name resolves to is then
 * something this VM's sandbox holds and its user may reach anyway. It joins the sandbox's network
 * namespace too: the kernel answers to the client's abstract address, which exists per network
 * namespace. The namespaces are opened beneath the held /proc directory and handed to nsenter as
 * descriptors, so they are the verified kernel's even if its pid is reused meanwhile.
 */
const NSENTER = ['nsenter', '--mount=/proc/self/fd/3', '--net=/proc/self/fd/4', '--root=/proc/self/fd/5'];

/**
 * One mconsole request through the uml_mconsole tool: the protocol is AF_UNIX datagrams, which
 * Node cannot send. The tool prints "OK <reply>" or "ERR <reply>". The reply is the guest's to
 * write: it is text to show, never a path to act on.
 */
export async function mconsole(sandbox: SandboxView, socket: string, command: string[], timeoutMs = 10_000): Promise<string> {
  const base = fdProcPath(sandbox.procFd);
  const held: number[] = [];
  let r;
  try {
    for (const [path, flags] of [
      [`${base}/ns/mnt`, constants.O_RDONLY],
      [`${base}/ns/net`, constants.O_RDONLY],
      [`${base}/root`, constants.O_RDONLY | constants.O_DIRECTORY],
    ] as const) {
      held.push(openSync(path, flags));
    }
    r = await run([...NSENTER, `--setuid=${sandbox.uid}`, `--setgid=${sandbox.gid}`, '--', '/usr/bin/uml_mconsole', socket, ...command], {
      timeoutMs,
      extraFds: held,
    });
  } catch (err) {
    if (held.length < 3) throw new MconsoleError(`mconsole ${command.join(' ')}: the UML kernel has ended`);
    throw err;
  } finally {
    for (const fd of held) closeSync(fd);
  }
  const lines = `${r.stdout}`.split('\n').filter((l) => !l.startsWith('Warning:'));
  const text = lines.join('\n').trim();
  if (r.code === 0 && text.startsWith('OK')) return text.slice(2).trim();
  const reason = text.startsWith('ERR')
    ? text.slice(3).trim()
    : r.stderr
        .split('\n')
        .filter((l) => !l.startsWith('Warning:'))
        .join(' ')
        .trim() || `exit ${r.code}`;
  throw new MconsoleError(`mconsole ${command.join(' ')}: ${reason}`);
}
