import type { ImageFiles } from './ports.js';

/**
 * Writes a new file under a temporary name, lets `write` fill and verify it (it throws when the
 * result is wrong), and only then gives it its name, synced before and after: the name never
 * points at a half-written or unverified file, and a failure leaves no temporary file behind.
 */
export async function publishVerified(
  files: Pick<ImageFiles, 'sync' | 'rename' | 'removeFile'>,
  tmp: string,
  target: string,
  write: (tmp: string) => Promise<void>,
): Promise<void> {
  try {
    await write(tmp);
    await files.sync(tmp);
    await files.rename(tmp, target);
    await files.sync(target);
  } catch (err) {
    await files.removeFile(tmp);
    throw err;
  }
}
