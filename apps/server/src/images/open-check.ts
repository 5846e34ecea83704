import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { readCowHeader } from '@strata/uml';

/** qcow2's header (magic, version, backing name's offset, sizes, L1 and refcount tables) lies in these. */
const HEAD_BYTES = 512;

/**
 * The file's first bytes as hex, or null when it is no regular file: opened without following a
 * link and without waiting on a FIFO someone put under the name.
 */
export function readHead(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buf = Buffer.alloc(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0)).toString('hex');
  } finally {
    closeSync(fd);
  }
}

/** qemu-img info of a healthy image answers in a few milliseconds; a hung one must not hold the server. */
const PROBE_TIMEOUT_MS = 10_000;

const lastLine = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .at(-1)
    ?.replace(/^qemu-img: /, '') ?? '';

/**
 * Why the file does not open as its recorded format, or null. qemu-img is told the format (-f)
 * and never probes it, and opens no backing file (info without --backing-chain); -U because a
 * running VM holds its top locked. A UML COW file is judged by its own header parser, through a
 * descriptor opened without following a link. Synchronous: its callers list images synchronously,
 * and cachedOpenCheck (core) runs it only for files that changed.
 */
export function probeOpen(path: string, format: string): string | null {
  if (format === 'uml-cow') {
    try {
      readCowHeader(path);
      return null;
    } catch (err) {
      return `is no longer a UML COW file: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  const result = spawnSync('qemu-img', ['info', '-f', format, '-U', '--output=json', path], {
    encoding: 'utf8',
    timeout: PROBE_TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  if (result.error) return `could not be read as ${format}: ${result.error.message}`;
  if (result.status !== 0) {
    const why = lastLine(result.stderr) || `qemu-img info exited with ${result.status}`;
    return `no longer opens as ${format} (qemu-img info -f ${format}: ${why})`;
  }
  try {
    const info = JSON.parse(result.stdout) as { format?: string; 'virtual-size'?: number };
    if (info.format !== format) return `no longer opens as ${format}: qemu-img read it as ${String(info.format)}`;
  } catch {
    return `no longer opens as ${format}: qemu-img info answered no JSON`;
  }
  return null;
}
