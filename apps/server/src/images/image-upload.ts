import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { invalid, type ImportSource } from '@strata/core';
import { fdProcPath } from '@strata/host';
import { imageInfo, referenceProblem, sniffFormatFd } from '@strata/qemu';
import { heldSource } from './import-path.js';

/** 413 through the error handler's path for framework-style errors (status and code). */
export const tooLarge = (max: number) =>
  Object.assign(new Error(`the upload is larger than the ${max}-byte limit (STRATA_UPLOAD_MAX_BYTES)`), {
    statusCode: 413,
    code: 'UPLOAD_TOO_LARGE',
  });

/** The child sees the first inherited descriptor as fd 3. */
const CHILD_FD = fdProcPath(3);

const removeQuietly = (path: string) => {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
};

const UPLOAD_FILE = /^upload-[0-9a-f]{16}$/;

/**
 * Removes upload files a previous process left in the incoming directory (a crash or a kill
 * during an upload or its import): no request of this process owns them. Only regular files with
 * the names uploads get are removed, by name (unlink never follows a link). Returns how many.
 */
export function sweepAbandonedUploads(imagesDir: string): number {
  const incoming = join(imagesDir, 'incoming');
  let names: string[];
  try {
    names = readdirSync(incoming);
  } catch {
    return 0; // no upload yet
  }
  let removed = 0;
  for (const name of names.filter((n) => UPLOAD_FILE.test(n))) {
    const path = join(incoming, name);
    try {
      if (!lstatSync(path).isFile()) continue;
      unlinkSync(path);
      removed++;
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}

/**
 * Writes a request body into a new file of the image store's incoming directory (created here,
 * O_EXCL and O_NOFOLLOW: nothing planted at the name is written through), counting every byte:
 * past `max` the request ends with 413 and the partial file is removed. Returns the file held
 * open for reading.
 */
export async function receiveUpload(body: Readable, imagesDir: string, max: number): Promise<{ fd: number; size: number; path: string }> {
  const incoming = join(imagesDir, 'incoming');
  mkdirSync(incoming, { recursive: true, mode: 0o700 });
  const path = join(incoming, `upload-${randomBytes(8).toString('hex')}`);
  const out = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > max) throw tooLarge(max);
      for (let done = 0; done < buf.length;) done += writeSync(out, buf, done, buf.length - done);
    }
    closeSync(out);
  } catch (err) {
    closeSync(out);
    removeQuietly(path);
    throw err;
  }
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  return { fd, size: fstatSync(fd).size, path };
}

/**
 * The same checks as an import, answered in the request: the format the user stated must be the
 * one the file's own bytes show, and the file must refer to no other file. The file is removed
 * when the source closes, whether the import succeeded or not.
 */
export async function uploadSource(held: { fd: number; size: number; path: string }, stated: string): Promise<ImportSource> {
  const drop = () => {
    closeSync(held.fd);
    removeQuietly(held.path);
  };
  try {
    if (held.size === 0) throw invalid('body', 'the upload is empty');
    const found = sniffFormatFd(held.fd, held.size);
    if (found !== stated) throw invalid('query.format', `the file is ${found}, not ${stated}: state the format it really has`);
    const info = await imageInfo(CHILD_FD, stated, { extraFds: [held.fd] });
    const problem = referenceProblem(info, CHILD_FD);
    if (problem) throw invalid('body', `the uploaded image cannot be used: ${problem}`);
  } catch (err) {
    drop();
    throw err;
  }
  return heldSource(held.fd, held.size, 'the uploaded file', 'query.format', () => removeQuietly(held.path));
}
