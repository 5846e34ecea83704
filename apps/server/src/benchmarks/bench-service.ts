import type { BenchmarkCreate, BenchmarkRun, BenchmarkStarted, BenchmarkSummary, BenchReference, BenchCell } from '@strata/contract';
import { statfsSync } from 'node:fs';
import {
  conflict,
  invalid,
  DEFAULT_RUNTIME_CAP_SEC,
  expandCells,
  hostRatios,
  notFound,
  recommendations,
  resolveMatrix,
  runBenchmark,
  type HostProvider,
  type JobContext,
  type JobService,
  type RecoveryOutcome,
} from '@strata/core';
import type { BenchmarkRepository } from '../db/benchmark-repository.js';
import { createBenchLab, removeRunLeftovers, type Cleanup, type LabDeps, type MadeRecord, type RunLab } from './bench-lab.js';
import { benchHost } from './bench-host.js';
import { runToCsv } from './bench-export.js';

export interface BenchServiceDeps {
  jobs: JobService;
  runs: BenchmarkRepository;
  lab: LabDeps;
  host: HostProvider;
  imagesDir: string;
  reference: () => BenchReference;
  /** Per-cell time cap; tests lengthen it so a cell lasts long enough for the metrics sampler. */
  runtimeCapSec?: number;
}

export const INTERRUPTED = 'interrupted by a restart';
const RUN_ID = /^[0-9a-f]{6,32}$/;
const rolledBack = (result: string): RecoveryOutcome => ({ kind: 'rolled-back', result });
const ID = /^[0-9a-zA-Z_-]{1,64}$/;
const isIds = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && ID.test(x));
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The journal's record of what a run made, checked before a restart acts on it; null when it is not one this server wrote. */
export function madeFromJournal(raw: unknown): MadeRecord | null {
  if (raw === undefined) return { vmIds: [], shareIds: [], imageIds: [], runDir: null };
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  const dir = m.runDir as Record<string, unknown> | null | undefined;
  if (!isIds(m.vmIds) || !isIds(m.shareIds) || !isIds(m.imageIds)) return null;
  if (dir !== null && (typeof dir !== 'object' || !isCount(dir.dev) || !isCount(dir.ino))) return null;
  return {
    vmIds: m.vmIds,
    shareIds: m.shareIds,
    imageIds: m.imageIds,
    runDir: dir ? { dev: dir.dev as number, ino: dir.ino as number } : null,
  };
}

/** What the cleanup did, in the run's words: what was removed and what was left and why. */
export function cleanupWords(c: Cleanup): string {
  const removed = c.removed.length ? `removed ${c.removed.join(', ')}` : 'nothing had been made yet';
  return c.left.length ? `${removed}; ${c.left.join('; ')}` : removed;
}

const summaryOf = (run: BenchmarkRun): BenchmarkSummary => ({
  id: run.id,
  jobId: run.jobId,
  state: run.state,
  options: run.options,
  cellCount: run.cells.length,
  failedCells: run.cells.filter((c) => c.state === 'failed').length,
  accelerator: run.host.accelerator,
  createdAt: run.createdAt,
  finishedAt: run.finishedAt,
});

/** What the finished cells say: recommendations and this host's ratios beside the article's. */
const withFindings = (run: BenchmarkRun): BenchmarkRun => ({
  ...run,
  recommendations: recommendations(run.cells),
  ratios: hostRatios(run.cells),
});

/** Cells a run never got to finish: a running one failed with the reason, the pending ones skipped. */
function endCells(cells: BenchCell[], reason: string): BenchCell[] {
  return cells.map((c) =>
    c.state === 'running' ? { ...c, state: 'failed', error: reason } : c.state === 'pending' ? { ...c, state: 'skipped', note: reason } : c,
  );
}

/**
 * A target's variants hold a file of sizeMiB each until the target ends (9p and virtiofs: three);
 * a disk target a blank disk of that size. Refused up front rather than filling the host's disk.
 */
function checkSpace(sizeMiB: number, dirs: { shares: string; images: string }): void {
  const need = (3 * sizeMiB + 256) * 1048576;
  for (const [what, dir] of Object.entries(dirs)) {
    const { bavail, bsize } = statfsSync(dir);
    const free = bavail * bsize;
    if (free < need)
      throw invalid(
        'body.sizeMiB',
        `${sizeMiB} MiB per cell needs ${Math.ceil(need / 1048576)} MiB free under the ${what} directory; ${Math.floor(free / 1048576)} MiB are`,
      );
  }
}

export function createBenchmarkService(d: BenchServiceDeps) {
  const { runs } = d;
  const now = () => new Date().toISOString();

  /** Set when the server closes: a run in flight stops touching VMs and records, and the next start's recovery ends it. */
  let closed = false;

  /** The lab, inert once the server closes (its VMs are left to the recovery, like after a crash). */
  function labFor(run: BenchmarkRun, ctx: JobContext): RunLab {
    const lab = createBenchLab(d.lab, run.id, run.options.sizeMiB, (made) => ctx.journal({ made }));
    const shutting = () => Promise.reject(new Error('the server is shutting down'));
    return {
      accelerator: lab.accelerator,
      boot: (...args) => (closed ? shutting() : lab.boot(...args)),
      dispose: (guest) => (closed ? Promise.resolve() : lab.dispose(guest)),
      removeAll: () =>
        closed ? Promise.resolve({ removed: [], left: ['left for the next start: the server is shutting down'] }) : lab.removeAll(),
    };
  }

  async function execute(run: BenchmarkRun, ctx: JobContext): Promise<string> {
    ctx.journal({ runId: run.id });
    await Promise.resolve(); // let start() record the job's id on the run first
    const lab = labFor(run, ctx);
    const total = run.cells.length;
    const save = () => {
      if (closed) return;
      const accelerator = lab.accelerator();
      if (accelerator) run.host.accelerator = accelerator;
      runs.save(run);
      ctx.progress(run.cells.filter((c) => c.state !== 'pending' && c.state !== 'running').length / total);
    };
    const matrix = { ...run.options, runtimeCapSec: run.options.runtimeCapSec ?? DEFAULT_RUNTIME_CAP_SEC };
    let outcome: { state: BenchmarkRun['state']; error?: string };
    let cleanup: Cleanup = { removed: [], left: [] };
    try {
      await runBenchmark(matrix, run.cells, lab, { signal: ctx.signal, changed: save, now });
      const done = run.cells.filter((c) => c.state === 'done').length;
      outcome = done > 0 ? { state: 'succeeded' } : { state: 'failed', error: `no cell could be measured: ${run.cells[0]?.error ?? ''}` };
    } catch (err) {
      outcome = ctx.signal.aborted ? { state: 'cancelled' } : { state: 'failed', error: err instanceof Error ? err.message : String(err) };
      run.cells = endCells(run.cells, outcome.state === 'cancelled' ? 'the run was cancelled' : 'the run failed');
    } finally {
      cleanup = await lab.removeAll();
    }
    if (cleanup.left.length) outcome.error = [outcome.error, ...cleanup.left].filter(Boolean).join('; ');
    Object.assign(run, withFindings({ ...run, ...outcome, finishedAt: now() }));
    save();
    if (outcome.state === 'cancelled')
      // The job service takes a cancelled job's own words from `cancelled` (a run that made VMs did change things).
      throw Object.assign(new Error('the benchmark was cancelled'), { cancelled: `cancelled; ${cleanupWords(cleanup)}` });
    if (outcome.state !== 'succeeded') throw new Error(outcome.error ?? 'the benchmark failed');
    const failed = run.cells.filter((c) => c.state === 'failed').length;
    const tail = cleanup.left.length ? `; ${cleanup.left.join('; ')}` : '; the throwaway VMs are removed';
    return `${total - failed} of ${total} cells measured${failed ? `; ${failed} failed (see each cell's reason)` : ''}${tail}`;
  }

  /** Set from the check for a running run until that run's row exists: the await between them must not let a second start through. */
  let starting = false;

  async function start(body: BenchmarkCreate): Promise<BenchmarkStarted> {
    const busy = runs.unfinished().find((r) => r.state === 'running');
    if (busy) throw conflict('benchmark_running', `benchmark ${busy.id} is still running; wait for it or cancel it first`);
    if (starting) throw conflict('benchmark_running', 'another benchmark is starting; wait for it or cancel it first');
    starting = true;
    let run: BenchmarkRun;
    try {
      const matrix = resolveMatrix(body, d.runtimeCapSec ?? DEFAULT_RUNTIME_CAP_SEC);
      checkSpace(matrix.sizeMiB, { shares: d.lab.shareRoot, images: d.imagesDir });
      run = {
        id: d.lab.newId(),
        jobId: '',
        state: 'running',
        host: await benchHost(d.host, { shares: d.lab.shareRoot, images: d.imagesDir }),
        options: matrix,
        cells: expandCells(matrix),
        recommendations: [],
        ratios: [],
        createdAt: now(),
        finishedAt: null,
      };
      runs.insert(run);
    } finally {
      starting = false;
    }
    const matrix = run.options;
    const job = d.jobs.start({
      kind: 'benchmark',
      title: `Share benchmark: ${run.cells.length} cells, ${matrix.sizeMiB} MiB each`,
      run: (ctx) => execute(run, ctx),
    });
    run.jobId = job.id;
    runs.save(run);
    return { job, run };
  }

  /** After a restart: the run ends failed, and whatever VMs, shares and files it made are removed. */
  d.jobs.onRecover('benchmark', async (job) => {
    const runId = job.journal.runId;
    if (typeof runId !== 'string' || !RUN_ID.test(runId)) return rolledBack(`${INTERRUPTED}; the journal named no run`);
    const made = madeFromJournal(job.journal.made);
    const cleanup = made ? await removeRunLeftovers(d.lab, runId, made) : null;
    const words = cleanup
      ? cleanupWords(cleanup)
      : "the journal's record of what it made is not one this server writes, so nothing was removed: check VMs and shares named bench-" +
        `${runId}-… by hand`;
    const run = runs.get(runId);
    // The run says only what an operator must act on (what could not be removed); the job says all.
    const left = made ? (cleanup?.left ?? []) : [words];
    const error = [INTERRUPTED, ...left].join('; ');
    if (run) runs.save(withFindings({ ...run, state: 'failed', error, cells: endCells(run.cells, INTERRUPTED), finishedAt: now() }));
    return rolledBack(`${INTERRUPTED}; ${words}`);
  });

  return {
    start,
    list: (): BenchmarkSummary[] => runs.list().map(summaryOf),
    get(id: string): BenchmarkRun {
      const run = runs.get(id);
      if (!run) throw notFound('benchmark', id);
      return run;
    },
    exportRun(id: string, format: 'csv' | 'json' = 'csv') {
      const run = this.get(id);
      return format === 'json'
        ? { filename: `strata-benchmark-${run.id}.json`, type: 'application/json', body: JSON.stringify(run, null, 2) }
        : { filename: `strata-benchmark-${run.id}.csv`, type: 'text/csv; charset=utf-8', body: runToCsv(run) };
    },
    reference: d.reference,
    /** Runs whose job this server no longer knows (a crash before the job was written): ended as failed. */
    settleOrphans(): void {
      for (const run of runs.unfinished()) {
        const job = run.jobId ? d.jobs.list().find((j) => j.id === run.jobId) : undefined;
        if (job && (job.state === 'running' || job.state === 'queued')) continue;
        runs.save(
          withFindings({ ...run, state: 'failed', error: INTERRUPTED, cells: endCells(run.cells, INTERRUPTED), finishedAt: now() }),
        );
      }
    },
    /** Server shutdown: the run in flight is left for the next start's recovery, as after a crash. */
    detach(): void {
      closed = true;
    },
    cancel(id: string) {
      const run = this.get(id);
      return d.jobs.cancel(run.jobId);
    },
  };
}

export type BenchmarkService = ReturnType<typeof createBenchmarkService>;
