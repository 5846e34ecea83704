import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readdirSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { invalid, StrataError, type ImportSource } from '@strata/core';
import { BeneathError, createAt, fdProcPath, lstatAt, mkdirAt, openAt, openRootDir, removeAt } from '@strata/host';
import { ImageFormatError, ImportFormatError, UNTRUSTED_INFO, imageInfo, referenceProblem, sniffFormatFd } from '@strata/qemu';
import { heldSource } from './import-path.js';

/** 413 through the error handler's path for framework-style errors (status and code). */
export const tooLarge = (max: number) =>
  Object.assign(new Error(`the upload is larger than the ${max}-byte limit (STRATA_UPLOAD_MAX_BYTES)`), {
    statusCode: 413,
    code: 'UPLOAD_TOO_LARGE',
  });

/** The child sees the first inherited descriptor as fd 3. */
const CHILD_FD = fdProcPath(3);

const UPLOAD_FILE = /^upload-[0-9a-f]{16}$/;

/**
 * The image store's incoming directory, held open: made here when missing, and never reached
 * through a symbolic link (O_NOFOLLOW on the last name; the store itself is Strata's own).
 */
function openIncoming(imagesDir: string, create: boolean): number | null {
  const images = openRootDir(imagesDir);
  try {
    if (create) {
      try {
        closeSync(mkdirAt(images, 'incoming', 0o700));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // there already (or a link, refused below)
      }
    }
    return openAt(images, 'incoming', constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    if (err instanceof BeneathError && err.reason === 'missing' && !create) return null;
    if (err instanceof BeneathError)
      throw new StrataError('unavailable', 'incoming_unsafe', `the image store's incoming directory cannot be used: ${err.message}`);
    throw err;
  } finally {
    closeSync(images);
  }
}

/**
 * Removes upload files an earlier version left in the incoming directory (uploads now keep no
 * name there, not even through a crash). Only regular files with the names uploads got are
 * removed, through the held directory: nothing is followed. Returns how many.
 */
export function sweepAbandonedUploads(imagesDir: string): number {
  let dir: number | null;
  try {
    dir = openIncoming(imagesDir, false);
  } catch {
    return 0; // a link or a non-directory: left for the admin, and uploads refuse it with the reason
  }
  if (dir === null) return 0;
  let removed = 0;
  try {
    for (const name of readdirSync(fdProcPath(dir)).filter((n) => UPLOAD_FILE.test(n))) {
      if (!lstatAt(dir, name)?.isFile()) continue;
      removeAt(dir, name);
      removed++;
    }
  } finally {
    closeSync(dir);
  }
  return removed;
}

/**
 * Writes a request body into a new file of the image store's incoming directory (created through
 * the held directory, O_EXCL and O_NOFOLLOW) whose name is removed at once: the bytes live on the
 * descriptor alone, so neither a 413 nor a crash leaves anything behind. Counts every byte: past
 * `max` the request ends with 413. Returns the file held open for reading.
 */
export async function receiveUpload(body: Readable, imagesDir: string, max: number): Promise<{ fd: number; size: number }> {
  const dir = openIncoming(imagesDir, true)!;
  let out: number;
  try {
    const name = `upload-${randomBytes(8).toString('hex')}`;
    out = createAt(dir, name, constants.O_WRONLY);
    removeAt(dir, name);
  } finally {
    closeSync(dir);
  }
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > max) throw tooLarge(max);
      for (let done = 0; done < buf.length;) done += writeSync(out, buf, done, buf.length - done);
    }
  } catch (err) {
    closeSync(out);
    throw err;
  }
  // Read-only from here on: the checks and the import read a file no one can write any more.
  try {
    const fd = openSync(fdProcPath(out), constants.O_RDONLY);
    return { fd, size: fstatSync(fd).size };
  } finally {
    closeSync(out);
  }
}

/**
 * The same checks as an import, answered in the request: the format the user stated must be the
 * one the file's own bytes show, and the file must refer to no other file. The bytes go when the
 * source closes, whether the import succeeded or not.
 */
export async function uploadSource(held: { fd: number; size: number }, stated: string): Promise<ImportSource> {
  const drop = () => closeSync(held.fd);
  try {
    if (held.size === 0) throw invalid('body', 'the upload is empty');
    const found = sniffFormatFd(held.fd, held.size);
    if (found !== stated) throw invalid('query.format', `the file is ${found}, not ${stated}: state the format it really has`);
    const info = await imageInfo(CHILD_FD, stated, { ...UNTRUSTED_INFO, extraFds: [held.fd] });
    const problem = referenceProblem(info, CHILD_FD);
    if (problem) throw invalid('body', `the uploaded image cannot be used: ${problem}`);
  } catch (err) {
    drop();
    if (err instanceof ImportFormatError) throw invalid('body', `the uploaded file cannot be imported: ${err.message}`);
    // qemu-img refused the file, or was stopped by its limits: the user's file, so the user's 400.
    if (err instanceof ImageFormatError)
      throw invalid('body', `the uploaded file does not open as ${stated}: ${err.message.replace(/^.*? failed: /, '')}`);
    throw err;
  }
  return heldSource(held.fd, held.size, 'the uploaded file', 'query.format');
}
