import { run } from '@strata/host';

export class MconsoleError extends Error {}

/** A running UML's mount namespace (any of its kernel processes) and the user it runs as. */
export interface SandboxView {
  pid: number;
  uid: number;
  gid: number;
}

/**
 * The socket lives in a directory the guest can write (through hostfs), so a symlink planted
 * there could point the root server at another VM's socket. The tool therefore runs in the VM's
 * own mount namespace and root, as its unprivileged user: whatever the name resolves to is then
 * something this VM's sandbox holds and its user may reach anyway.
 */
const inSandbox = (v: SandboxView) => ['nsenter', `--target=${v.pid}`, '--mount', '--root', `--setuid=${v.uid}`, `--setgid=${v.gid}`, '--'];

/**
 * One mconsole request through the uml_mconsole tool: the protocol is AF_UNIX datagrams, which
 * Node cannot send. The tool prints "OK <reply>" or "ERR <reply>".
 */
export async function mconsole(sandbox: SandboxView, socket: string, command: string[], timeoutMs = 10_000): Promise<string> {
  const r = await run([...inSandbox(sandbox), '/usr/bin/uml_mconsole', socket, ...command], { timeoutMs });
  const lines = `${r.stdout}`.split('\n').filter((l) => !l.startsWith('Warning:'));
  const text = lines.join('\n').trim();
  if (r.code === 0 && text.startsWith('OK')) return text.slice(2).trim();
  const reason = text.startsWith('ERR') ? text.slice(3).trim() : (r.stderr.split('\n').filter((l) => !l.startsWith('Warning:')).join(' ').trim() || `exit ${r.code}`);
  throw new MconsoleError(`mconsole ${command.join(' ')}: ${reason}`);
}
