import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { invalid, type ImportSource } from '@strata/core';
import { BeneathError, fdProcPath, openFileBeneath, openRootDir, runOk } from '@strata/host';
import { ImportFormatError, UNTRUSTED_INFO, checkReport, imageInfo, referenceProblem, sniffFormatFd } from '@strata/qemu';

const FIELD = 'body.path';

/** The child sees the first inherited descriptor as fd 3. */
const CHILD_FD = fdProcPath(3);

function why(err: unknown, relative: string, root: string): string {
  if (!(err instanceof BeneathError)) return `'${relative}' cannot be opened: ${(err as Error).message}`;
  if (err.reason === 'missing') return `no file '${relative}' in the import directory ${root}`;
  if (err.reason === 'not_file') return `'${relative}' is not a regular file`;
  return `'${relative}' cannot be imported: ${err.message}; symbolic links are not followed`;
}

/**
 * Opens a file named relative to the import directory by walking it one component at a time (no
 * symlink anywhere, no '..'), and keeps the descriptor: everything after reads that object, never
 * the name, which a local user could point elsewhere in the meantime.
 */
function openHeld(root: string, relative: string): { fd: number; size: number } {
  if (relative.includes('\0')) throw invalid(FIELD, 'the path contains a NUL byte');
  if (relative.split(/[\\/]+/).includes('..')) throw invalid(FIELD, "'..' is not allowed in the path");
  if (isAbsolute(relative)) throw invalid(FIELD, `give the path relative to the import directory ${root}`);
  const rootFd = openRootDir(root);
  let held: { fd: number; stat: { nlink: number; size: number } };
  try {
    held = openFileBeneath(rootFd, relative);
  } catch (err) {
    throw invalid(FIELD, why(err, relative, root));
  } finally {
    closeSync(rootFd);
  }
  if (held.stat.nlink !== 1) {
    closeSync(held.fd);
    // Another name for the same file may live anywhere on this file system, outside the import directory.
    throw invalid(
      FIELD,
      `'${relative}' has ${held.stat.nlink} hard links; import a file that has only this name (copy it instead of linking it)`,
    );
  }
  return { fd: held.fd, size: held.stat.size };
}

/** Copies the held file into a new file only the server writes; later checks and the conversion read that copy. */
async function copyHeld(fd: number, copy: string, signal: AbortSignal): Promise<number> {
  await runOk(['cp', '--sparse=always', CHILD_FD, copy], { extraFds: [fd], signal });
  return openSync(copy, constants.O_RDONLY | constants.O_NOFOLLOW);
}

export function openImport(root: string, relative: string): ImportSource {
  const { fd, size } = openHeld(root, relative);
  return heldSource(fd, size, relative, FIELD);
}

/**
 * An import source over a descriptor the caller opened and hands over: its format read from its
 * own bytes, copied and proven self-contained when taken. `onClose` runs after the descriptor is
 * closed (an upload removes its received file there).
 */
export function heldSource(fd: number, size: number, label: string, field: string, onClose?: () => void): ImportSource {
  let closed = false;
  const close = () => {
    if (!closed) {
      closeSync(fd);
      onClose?.();
    }
    closed = true;
  };
  try {
    const format = sniffFormatFd(fd, size);
    return {
      format,
      close,
      async take(copy, signal) {
        const copyFd = await copyHeld(fd, copy, signal);
        try {
          // The owner could have rewritten the file since the request: judge the copy, which no one else writes.
          const now = sniffFormatFd(copyFd, fstatSync(copyFd).size);
          if (now !== format) throw new Error(`${label} changed while it was being imported (it was ${format}, now reads as ${now})`);
          const info = await imageInfo(CHILD_FD, format, { ...UNTRUSTED_INFO, extraFds: [copyFd], signal });
          const problem = referenceProblem(info, CHILD_FD);
          if (problem) throw new Error(`${label} cannot be imported: ${problem}`);
          if (format === 'qcow2') {
            // Clusters referenced more often than counted (every table pointing at one cluster) turn a small file into a
            // full one when converted: a disk-filling bomb. Leaks alone are harmless.
            const check = await checkReport(CHILD_FD, format, { ...UNTRUSTED_INFO, extraFds: [copyFd], signal });
            if (check.errors > 0 || ![0, 3].includes(check.code))
              throw new Error(`${label} cannot be imported: qemu-img check found it inconsistent (${check.errors} errors)`);
          }
          return { virtualSize: info['virtual-size'] };
        } finally {
          closeSync(copyFd);
        }
      },
    };
  } catch (err) {
    close();
    throw err instanceof ImportFormatError ? invalid(field, `${label}: ${err.message}`) : err;
  }
}
