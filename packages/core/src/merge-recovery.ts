import { deferred, finished, rolledBack, unrecoverable, type RecoveryOutcome } from './job-recovery.js';
import type { MergeDeps } from './merge-deps.js';
import { finishMerge } from './merge-finish.js';
import { beginInPlace, canRunAgain, writeInPlace } from './merge-in-place.js';
import { readMergeJournal, routeOf, type MergeJournal } from './merge-journal.js';
import { livePivoted } from './merge-live.js';
import type { JobRecord } from './ports.js';

const NOTHING_WRITTEN = 'rolled back: the server stopped before the merge wrote anything';

/**
 * QEMU either pivoted (the records catch up) or not (the VM's layers are as they were). A VM whose
 * process runs but is not attached cannot be asked: its QEMU may still be writing the top or the
 * target, so nothing is touched and the job waits until the VM is attached or has exited. Failing
 * it instead would free the VM to boot from records that may no longer match its files.
 */
async function recoverLive(deps: MergeDeps, j: MergeJournal): Promise<RecoveryOutcome> {
  const reason = deps.unattached(j.vmId);
  if (reason) return deferred(`waiting: Strata could not attach to the VM to ask QEMU how far the live merge got (${reason})`);
  if (await livePivoted(deps, j)) return finished(`${await finishMerge(deps, j, deps.liveHandle(j.vmId))} (completed after a restart)`);
  if (j.mode === 'new-base' && j.target) await deps.files.removeFile(j.target);
  return rolledBack("rolled back: the server stopped during a live merge before QEMU finished it; the VM's layers are unchanged");
}

/** An in-place merge only goes forward: it is finished, or run again from its top. */
async function recoverInPlace(deps: MergeDeps, j: MergeJournal): Promise<RecoveryOutcome> {
  if (j.step === 'switching' || !canRunAgain(deps, j)) return finished(`${await finishMerge(deps, j)} (completed after a restart)`);
  // The server may have died before it told the parent's other readers: they are told again (idempotent).
  beginInPlace(deps, j);
  await writeInPlace(deps, j, () => undefined);
  return finished(`${await finishMerge(deps, j)} (the in-place commit was run again after a restart)`);
}

/** A new file is either in place (the records catch up) or half-written (it is removed). */
async function recoverCopy(deps: MergeDeps, j: MergeJournal): Promise<RecoveryOutcome> {
  if (!j.tmp) return rolledBack(NOTHING_WRITTEN);
  if (j.step !== 'switching' || deps.files.exists(j.tmp)) {
    await deps.files.removeFile(j.tmp);
    return rolledBack(
      `rolled back: the server stopped while the merge was ${j.step === 'switching' ? 'switching over' : 'writing its new file'}; the old chain is untouched and its half-written file removed`,
    );
  }
  return finished(`${await finishMerge(deps, j)} (completed after a restart)`);
}

/** A merge job the last server process left running, settled from its journal. */
export async function recoverMerge(deps: MergeDeps, record: JobRecord): Promise<RecoveryOutcome> {
  const read = readMergeJournal(record.journal);
  if (!read.ok) return unrecoverable(read.reason);
  const j = read.journal;
  if (!j) return rolledBack(NOTHING_WRITTEN);
  switch (routeOf(j)) {
    case 'live':
      return recoverLive(deps, j);
    case 'in-place':
      return recoverInPlace(deps, j);
    case 'copy':
      return recoverCopy(deps, j);
  }
}
