import type { JobRecord } from './ports.js';

/**
 * How a job the last server process left unfinished was settled. The kind decides the job's state;
 * the sentence is what the user reads.
 */
export type RecoveryOutcome =
  /** Whatever the job had begun is done now: it succeeded. */
  | { kind: 'finished'; result: string }
  /** What the job had begun was undone (or nothing had begun): it failed, with nothing changed. */
  | { kind: 'rolled-back'; result: string }
  /** Nothing could be decided (a journal this server cannot trust): it failed, and nothing was touched. */
  | { kind: 'unrecoverable'; reason: string }
  /** Not decidable yet (what it depends on cannot be asked now): the job stays running, untouched, for a later recovery. */
  | { kind: 'deferred'; reason: string };

/** After a restart: given what the journal says, finish or undo, and say which. */
export type Recovery = (job: JobRecord) => Promise<RecoveryOutcome>;

export const finished = (result: string): RecoveryOutcome => ({ kind: 'finished', result });
export const rolledBack = (result: string): RecoveryOutcome => ({ kind: 'rolled-back', result });
export const unrecoverable = (reason: string): RecoveryOutcome => ({ kind: 'unrecoverable', reason });
export const deferred = (reason: string): RecoveryOutcome => ({ kind: 'deferred', reason });

/** What the job's record says once an outcome is known (a deferred job keeps its state and says why). */
export function outcomePatch(outcome: RecoveryOutcome): Partial<JobRecord> {
  switch (outcome.kind) {
    case 'finished':
      return { state: 'succeeded', error: undefined, result: outcome.result };
    case 'rolled-back':
      return { state: 'failed', error: outcome.result, result: outcome.result };
    case 'unrecoverable':
      return { state: 'failed', error: `recovery failed: ${outcome.reason}` };
    case 'deferred':
      return { result: outcome.reason };
  }
}

/** Runs a kind's recovery; one that throws fails its job with the reason, never the server's start. */
export async function recoverJob(job: JobRecord, recovery: Recovery | undefined): Promise<Partial<JobRecord>> {
  try {
    if (!recovery) return outcomePatch(rolledBack('the server stopped during this job; nothing to finish'));
    return outcomePatch(await recovery(job));
  } catch (err) {
    return outcomePatch(unrecoverable(err instanceof Error ? err.message : String(err)));
  }
}
