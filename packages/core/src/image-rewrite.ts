import { Type } from 'typebox';
import { readJournal } from './job-journal.js';
import { finished, rolledBack, unrecoverable, type RecoveryOutcome } from './job-recovery.js';
import type { JobContext } from './job-service.js';
import type { ImageOpsDeps } from './image-ops-deps.js';
import type { ImportSource, JobRecord } from './ports.js';
import { publishVerified } from './publish-verified.js';

/** What an image job journals: the temporary files a restart must remove. */
export const ImageJournalSchema = Type.Object({
  tmp: Type.Optional(Type.String()),
  copy: Type.Optional(Type.String()),
  /** A full clone's copies, by id: each takes its name in the store as soon as it is verified. */
  clone: Type.Optional(
    Type.Object({
      vmId: Type.String(),
      copies: Type.Array(Type.Object({ id: Type.String(), format: Type.Union([Type.Literal('raw'), Type.Literal('qcow2')]) })),
    }),
  ),
});

/** An id as Strata makes them: a journal naming anything else is not followed into the file system. */
const STORE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Writes `target` through a temporary file that is verified against `source` before it takes the name. */
export async function writeVerified(
  deps: Pick<ImageOpsDeps, 'files' | 'newId'>,
  job: JobContext,
  source: { path: string; format: string },
  target: string,
  format: string,
  write: (tmp: string) => Promise<void>,
): Promise<void> {
  const { files } = deps;
  const tmp = `${target}.tmp-${deps.newId()}`;
  job.journal({ tmp });
  await publishVerified(files, tmp, target, async () => {
    await write(tmp);
    if (format !== 'raw' && format !== 'vpc') {
      const report = await files.checkReport(tmp, format);
      if (!report.ok) throw new Error(`qemu-img check failed on the new file: ${report.report}`);
    }
    if (!(await files.sameContent(source.path, source.format, tmp, format)))
      throw new Error('verification failed: the new file does not show the guest the same bytes');
  });
}

/**
 * The import is judged and converted from a private copy of the held file: its owner can still
 * rewrite the original (add a backing file after it was checked, say), but not the copy.
 */
export async function importHeld(
  deps: Pick<ImageOpsDeps, 'files' | 'newId'>,
  job: JobContext,
  source: ImportSource,
  target: string,
  format: string,
): Promise<void> {
  const copy = `${target}.import-${deps.newId()}`;
  job.journal({ copy });
  try {
    await source.take(copy, job.signal);
    await writeVerified(deps, job, { path: copy, format }, target, format, (tmp) =>
      deps.files.convert(copy, format, tmp, { format, onProgress: (p) => job.progress(p * 0.9), signal: job.signal }),
    );
  } finally {
    await deps.files.removeFile(copy);
  }
}

/**
 * Nothing is renamed into place before it is verified: after a restart, temporary files remain to
 * remove, and a full clone's finished copies unless its VM record went in. Copies are found by the
 * ids the journal names, as the store's own paths for them, never by a path read back.
 */
export async function recoverImageJob(
  deps: Pick<ImageOpsDeps, 'images' | 'vms'> & { files: Pick<ImageOpsDeps['files'], 'removeFile' | 'pathFor'> },
  record: JobRecord,
): Promise<RecoveryOutcome> {
  const { files } = deps;
  const read = readJournal('image', ImageJournalSchema, record.journal);
  if (!read.ok) return unrecoverable(read.reason);
  const { tmp, copy, clone } = read.journal;
  if (tmp) await files.removeFile(tmp);
  if (copy) await files.removeFile(copy);
  if (!clone) return rolledBack('rolled back: the server stopped before the new file was in place; its temporary file was removed');
  if (deps.vms.get(clone.vmId)) return finished('the clone was complete before the server stopped; its copies are its disks');
  const removed: string[] = [];
  for (const { id, format } of clone.copies) {
    if (!STORE_ID.test(id)) continue;
    if (deps.images.get(id)) deps.images.remove(id);
    const path = files.pathFor(id, format);
    await files.removeFile(path);
    removed.push(path);
  }
  return rolledBack(
    `rolled back: the server stopped before the clone was recorded; removed its copies ${removed.join(', ') || '(none made yet)'} and any temporary file`,
  );
}
