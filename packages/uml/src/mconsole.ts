import { run } from '@strata/host';

export class MconsoleError extends Error {}

/**
 * One mconsole request through the uml_mconsole tool: the protocol is AF_UNIX datagrams, which
 * Node cannot send. The tool prints "OK <reply>" or "ERR <reply>".
 */
export async function mconsole(socket: string, command: string[], timeoutMs = 10_000): Promise<string> {
  const r = await run(['uml_mconsole', socket, ...command], { timeoutMs });
  const lines = `${r.stdout}`.split('\n').filter((l) => !l.startsWith('Warning:'));
  const text = lines.join('\n').trim();
  if (r.code === 0 && text.startsWith('OK')) return text.slice(2).trim();
  const reason = text.startsWith('ERR') ? text.slice(3).trim() : (r.stderr.split('\n').filter((l) => !l.startsWith('Warning:')).join(' ').trim() || `exit ${r.code}`);
  throw new MconsoleError(`mconsole ${command.join(' ')}: ${reason}`);
}
