import { rm } from 'node:fs/promises';
import { runOk } from '@strata/host';
import { checkReport, ImageFormatError, progressTo, sameContent } from './qemu-img.js';

/**
 * Pulls into a qcow2 top, in place, every cluster it does not hold from the layers below, then
 * drops its backing file (a safe `qemu-img rebase -b ''`). What it copies equals what the top
 * showed through its backing, and the header changes last, so the disk reads the same at every
 * instant and running it again finishes it. `reference` is a copy of the top taken first: it
 * still names the same backing, so comparing the standalone top with it compares the disk after
 * with the disk before. Returns what differs, or null.
 */
export async function streamInPlace(top: string, reference: string, options: { onProgress(p: number): void }): Promise<string | null> {
  await runOk(['cp', '--sparse=always', top, reference]);
  try {
    await runOk(['qemu-img', 'rebase', '-p', '-f', 'qcow2', '-t', 'writeback', '-b', '', top], progressTo(options.onProgress)).catch(
      (err: unknown) => {
        throw new ImageFormatError(`qemu-img rebase of ${top} onto nothing failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    const [report, same] = await Promise.all([checkReport(top, 'qcow2'), sameContent(top, 'qcow2', reference, 'qcow2')]);
    if (!report.ok) return `qemu-img check of the streamed layer found problems: ${report.report}`;
    return same ? null : 'the streamed layer does not show the guest what the chain showed';
  } finally {
    await rm(reference, { force: true });
  }
}
