import type { BenchCell, BenchTarget } from '@strata/contract';
import { parseFio } from './bench-fio.js';
import { KERNEL_DEFAULT, variantsOf, type BenchMatrix, type BenchVariant } from './bench-matrix.js';
import type { AgentRequest, GuestAgent } from './ports.js';

/** How the guest reaches one variant: a share it mounts, or a disk it finds by its (unique) size. */
export type BenchReach = { kind: 'mount'; transport: '9p' | 'virtiofs' | 'hostfs'; tag: string } | { kind: 'device'; sizeBytes: number };

/** A throwaway VM booted for one target, with every variant of that target attached. */
export interface BenchGuest {
  vmId: string;
  agent: GuestAgent;
  reach(variant: BenchVariant): BenchReach;
  /** Why the VM's process ended, or null while it runs. */
  exitReason(): string | null;
}

/** Where the runner gets its VMs: the server makes them from the default guest and removes them. */
export interface BenchLab {
  boot(target: BenchTarget, variants: BenchVariant[], signal: AbortSignal): Promise<BenchGuest>;
  /** Stops the VM and removes it with its disks, shares and files; never throws. */
  dispose(guest: BenchGuest): Promise<void>;
}

export interface BenchRunHooks {
  signal: AbortSignal;
  /** Called with the cells each time one changes state. */
  changed(cells: BenchCell[]): void;
  now(): string;
}

/** Transports whose guest driver refuses O_DIRECT: their cells drop the guest's caches instead. */
const NO_DIRECT: ReadonlySet<BenchTarget> = new Set(['hostfs']);
const FILE = 'strata-bench.dat';
const AGENT_SLACK_MS = 60_000;

const rwOf = { 'seq-read': 'read', 'seq-write': 'write', 'rand-read': 'randread', 'rand-write': 'randwrite' } as const;
const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A cell's error can carry what a guest wrote (fio's output): kept to this many characters in the run's record. */
export const CELL_ERROR_MAX = 500;
export const capText = (text: string, max = CELL_ERROR_MAX): string =>
  text.length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`;

/** The mount options a variant asks of the guest; '' leaves every option at the kernel's default. */
export function mountOptions(variant: BenchVariant, reach: Extract<BenchReach, { kind: 'mount' }>): string {
  if (reach.transport === '9p') {
    const msize = variant.options.msize;
    return ['version=9p2000.L', 'cache=none', ...(msize === KERNEL_DEFAULT || msize === undefined ? [] : [`msize=${msize}`])].join(',');
  }
  return '';
}

interface Prepared {
  path: string;
  direct: boolean;
  laidOut: boolean;
}

interface TargetRun {
  matrix: BenchMatrix;
  lab: BenchLab;
  hooks: BenchRunHooks;
  cells: BenchCell[];
  update(cell: BenchCell, patch: Partial<BenchCell>): void;
}

/** fio's start is slow in a loaded TCG guest: three times the cap, plus a minute, before a cell's guest counts as hung. */
const cellTimeout = (m: BenchMatrix) => m.runtimeCapSec * 1000 * 3 + AGENT_SLACK_MS;
/** The untimed layout writes the whole size: a minute plus 2 s per MiB (0.5 MB/s) before the guest counts as hung. */
const LAYOUT_SEC = 3600;
const layoutTimeout = (m: BenchMatrix) => AGENT_SLACK_MS + m.sizeMiB * 2000;

async function prepare(run: TargetRun, guest: BenchGuest, variant: BenchVariant): Promise<Prepared> {
  const reach = guest.reach(variant);
  const call = (request: AgentRequest) => guest.agent.call(request, { timeoutMs: AGENT_SLACK_MS, signal: run.hooks.signal });
  if (reach.kind === 'device') {
    const reply = await call({ op: 'device', sizeBytes: reach.sizeBytes });
    if (!reply.ok) throw new Error(`the guest found no disk of ${reach.sizeBytes} bytes: ${reply.error}`);
    if (typeof reply.path !== 'string' || !/^\/dev\/[a-z0-9]{1,16}$/.test(reply.path)) throw new Error('the guest named no block device');
    return { path: reply.path, direct: true, laidOut: false };
  }
  const reply = await call({ op: 'mount', transport: reach.transport, tag: reach.tag, options: mountOptions(variant, reach) });
  if (!reply.ok) throw new Error(`the guest could not mount ${reach.transport} share ${reach.tag}: ${reply.error}`);
  return { path: `/bench/${reach.tag}/${FILE}`, direct: !NO_DIRECT.has(variant.target), laidOut: false };
}

/** One fio call; a refused O_DIRECT falls back to the guest's cache with caches dropped first. */
async function fio(run: TargetRun, guest: BenchGuest, prep: Prepared, cell: Pick<BenchCell, 'pattern' | 'blockSize'>, sec: number) {
  const { matrix, hooks } = run;
  const once = async (direct: boolean) => {
    if (!direct) await guest.agent.call({ op: 'dropcaches' }, { timeoutMs: AGENT_SLACK_MS, signal: hooks.signal });
    const request: AgentRequest = {
      op: 'fio',
      path: prep.path,
      rw: rwOf[cell.pattern],
      blockSize: cell.blockSize,
      sizeMiB: matrix.sizeMiB,
      direct,
      runtimeSec: sec,
    };
    const timeoutMs = sec === LAYOUT_SEC ? layoutTimeout(matrix) : cellTimeout(matrix);
    const reply = await guest.agent.call(request, { timeoutMs, signal: hooks.signal });
    if (!reply.ok) return { ok: false as const, error: reply.error };
    return parseFio(reply.fio, cell.pattern.endsWith('read') ? 'read' : 'write');
  };
  const first = await once(prep.direct);
  if (first.ok || !prep.direct || !/error 22\b|EINVAL|invalid argument|direct/i.test(first.error)) return first;
  prep.direct = false;
  return once(false);
}

/** Reads are timed only on data written before: one untimed sequential pass over the whole size. */
async function layOut(run: TargetRun, guest: BenchGuest, prep: Prepared): Promise<void> {
  const laid = await fio(run, guest, prep, { pattern: 'seq-write', blockSize: 1048576 }, LAYOUT_SEC);
  if (!laid.ok) throw new Error(`laying out the test file failed: ${laid.error}`);
  prep.laidOut = true;
}

async function runCell(run: TargetRun, guest: BenchGuest, prep: Prepared, cell: BenchCell): Promise<void> {
  if (cell.pattern.endsWith('read') && !prep.laidOut) await layOut(run, guest, prep);
  run.update(cell, { state: 'running', vmId: guest.vmId, startedAt: run.hooks.now() });
  const result = await fio(run, guest, prep, cell, run.matrix.runtimeCapSec);
  if (!result.ok) throw new Error(result.error);
  const capped = result.ioBytes < run.matrix.sizeMiB * 1048576;
  // A full sequential or random write covers the whole size, so later reads find it laid out.
  if (cell.pattern.endsWith('write') && !capped) prep.laidOut = true;
  const notes = [
    ...(prep.direct
      ? []
      : [
          `${cell.target} refuses O_DIRECT: the guest's caches were dropped before the cell instead`,
          // The guest's agent adds fio's end_fsync to writes without O_DIRECT (packages/guest's agent-script).
          ...(cell.pattern.endsWith('write') ? ["its writes are flushed to the host (fsync) at the end, within fio's timed part"] : []),
        ]),
    ...(capped ? [`stopped at the ${run.matrix.runtimeCapSec} s cap after ${(result.ioBytes / 1048576).toFixed(1)} MiB`] : []),
  ];
  run.update(cell, {
    state: 'done',
    bytesPerSec: result.bytesPerSec,
    iops: result.iops,
    ioBytes: result.ioBytes,
    runtimeMs: result.runtimeMs,
    direct: prep.direct,
    finishedAt: run.hooks.now(),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  });
}

/** After a failed cell: is the guest still there to run the next one? */
async function stillServing(guest: BenchGuest, signal: AbortSignal): Promise<boolean> {
  if (guest.exitReason() !== null) return false;
  return guest.agent
    .call({ op: 'ping' }, { timeoutMs: 15_000, signal })
    .then((r) => r.ok)
    .catch(() => false);
}

/** Every cell of one target, in one VM; a VM that dies or hangs fails its cell and a fresh one takes the rest. */
async function runTarget(run: TargetRun, target: BenchTarget): Promise<void> {
  const { lab, hooks } = run;
  const variants = variantsOf(target);
  let guest: BenchGuest | null = null;
  const prepared = new Map<string, Prepared>();
  try {
    for (const cell of run.cells.filter((c) => c.target === target && c.state === 'pending')) {
      if (hooks.signal.aborted) return;
      if (!guest) {
        try {
          guest = await lab.boot(target, variants, hooks.signal);
          prepared.clear();
        } catch (err) {
          if (hooks.signal.aborted) return;
          const error = `the benchmark VM did not start: ${reason(err)}`;
          for (const c of run.cells.filter((x) => x.target === target && x.state === 'pending'))
            run.update(c, { state: 'failed', error, finishedAt: hooks.now() });
          return;
        }
      }
      const variant = variants.find((v) => v.variant === cell.variant)!;
      try {
        let prep = prepared.get(variant.variant);
        if (!prep) prepared.set(variant.variant, (prep = await prepare(run, guest, variant)));
        await runCell(run, guest, prep, cell);
      } catch (err) {
        if (hooks.signal.aborted) return;
        const serving = await stillServing(guest, hooks.signal);
        const died = guest.exitReason();
        run.update(cell, {
          state: 'failed',
          error: died ? `the VM died during this cell: ${died}` : serving ? reason(err) : `the guest stopped answering: ${reason(err)}`,
          vmId: guest.vmId,
          finishedAt: hooks.now(),
        });
        if (!serving) {
          await lab.dispose(guest);
          guest = null;
        }
      }
    }
  } finally {
    if (guest) await lab.dispose(guest);
  }
}

/**
 * Runs the cells target by target, writing each result into `cells` as it comes. Resolves when
 * every cell has run (some may have failed); on cancel, marks what did not finish as skipped and
 * rejects once the VMs are gone.
 */
export async function runBenchmark(matrix: BenchMatrix, cells: BenchCell[], lab: BenchLab, hooks: BenchRunHooks): Promise<void> {
  const update = (cell: BenchCell, patch: Partial<BenchCell>) => {
    Object.assign(cell, typeof patch.error === 'string' ? { ...patch, error: capText(patch.error) } : patch);
    hooks.changed(cells);
  };
  const run: TargetRun = { matrix, lab, hooks, cells, update };
  for (const target of matrix.targets) {
    if (hooks.signal.aborted) break;
    await runTarget(run, target);
  }
  if (hooks.signal.aborted) {
    for (const cell of cells.filter((c) => c.state === 'pending' || c.state === 'running'))
      update(cell, { state: 'skipped', note: 'the run was cancelled', bytesPerSec: null, iops: null });
    throw new Error('the benchmark was cancelled');
  }
}
