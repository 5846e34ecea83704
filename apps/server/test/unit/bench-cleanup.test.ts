import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BenchmarkRun } from '@strata/contract';
import type { HostProvider, JobService, Logger, VmRecord } from '@strata/core';
import { benchNames, removeRunDir, removeRunLeftovers, runDir, type LabDeps } from '../../src/benchmarks/bench-lab.js';
import { cleanupWords, createBenchmarkService, madeFromJournal } from '../../src/benchmarks/bench-service.js';
import type { BenchmarkRepository } from '../../src/db/benchmark-repository.js';

let shareRoot: string;
let victim: string;
const RUN = 'abc123';

beforeEach(() => {
  const top = mkdtempSync(join(tmpdir(), 'strata-benchclean-'));
  shareRoot = join(top, 'share');
  victim = join(top, 'victim');
  mkdirSync(shareRoot);
  mkdirSync(join(victim, 'deep'), { recursive: true });
  writeFileSync(join(victim, 'precious'), 'x');
  writeFileSync(join(victim, 'deep', 'also'), 'y');
});
afterEach(() => rmSync(join(shareRoot, '..'), { recursive: true, force: true }));

const victimIntact = () => {
  expect(readdirSync(victim).sort()).toEqual(['deep', 'precious']);
  expect(readdirSync(join(victim, 'deep'))).toEqual(['also']);
};

describe("the run's directory is removed by descriptor, only when it is the one the run made", () => {
  it('removes its own directory and all in it', () => {
    const { path, id } = runDir({ shareRoot }, RUN);
    mkdirSync(join(path, 'sub'));
    writeFileSync(join(path, 'sub', 'f'), 'z');
    expect(removeRunDir(shareRoot, RUN, id)).toEqual({ removed: [path], left: [] });
    expect(existsSync(path)).toBe(false);
  });

  it('swapped for a symlink to a victim directory: the victim keeps its files, the link goes, the run says so', () => {
    const { path, id } = runDir({ shareRoot }, RUN);
    writeFileSync(join(path, 'f'), 'z');
    renameSync(path, join(shareRoot, 'moved-away'));
    symlinkSync(victim, path);
    const out = removeRunDir(shareRoot, RUN, id);
    victimIntact();
    expect(existsSync(path) || lstatSync(path, { throwIfNoEntry: false }) !== undefined).toBe(false);
    expect(out.removed).toEqual([]);
    expect(out.left.join()).toMatch(/could not remove .*strata-bench-abc123: it was moved or replaced/);
    // The moved directory is left where it went, untouched.
    expect(readdirSync(join(shareRoot, 'moved-away'))).toEqual(['f']);
  });

  it('swapped for another real directory: nothing in it is removed', () => {
    const { path, id } = runDir({ shareRoot }, RUN);
    renameSync(path, join(shareRoot, 'moved-away'));
    mkdirSync(path, { mode: 0o700 });
    writeFileSync(join(path, 'theirs'), 'x');
    const out = removeRunDir(shareRoot, RUN, id);
    expect(readdirSync(path)).toEqual(['theirs']);
    expect(out.left.join()).toMatch(/it was moved or replaced/);
  });

  it('a symlink inside its own directory is unlinked, never followed', () => {
    const { path, id } = runDir({ shareRoot }, RUN);
    mkdirSync(join(path, 'sub'));
    symlinkSync(victim, join(path, 'sub', 'link'));
    symlinkSync(join(victim, 'precious'), join(path, 'file-link'));
    expect(removeRunDir(shareRoot, RUN, id).left).toEqual([]);
    victimIntact();
    expect(existsSync(path)).toBe(false);
  });

  it('is never made through a symlink already at its name', () => {
    symlinkSync(victim, benchNames(RUN).dir(shareRoot));
    expect(() => runDir({ shareRoot }, RUN)).toThrow(/not the benchmark's own directory/);
    victimIntact();
  });

  it('with no identity recorded (nothing was made), nothing is removed', () => {
    symlinkSync(victim, benchNames(RUN).dir(shareRoot));
    expect(removeRunDir(shareRoot, RUN, null)).toEqual({ removed: [], left: [] });
    expect(lstatSync(benchNames(RUN).dir(shareRoot)).isSymbolicLink()).toBe(true);
    victimIntact();
  });
});

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;

/** VM and share records in memory: what removeRunLeftovers removes is what they lose. */
function fakeLab(vms: Pick<VmRecord, 'id' | 'name' | 'state'>[], shares: { id: string; name: string }[]): LabDeps {
  const removedVms: string[] = [];
  return {
    vms: {
      lifecycle: { stop: async () => undefined },
      config: {
        remove: async (id: string) => {
          removedVms.push(id);
          vms.splice(
            vms.findIndex((v) => v.id === id),
            1,
          );
        },
      },
      shares: {
        listShares: () => shares,
        deleteShare: (id: string) => {
          shares.splice(
            shares.findIndex((s) => s.id === id),
            1,
          );
        },
      },
    },
    vmRecords: { get: (id: string) => vms.find((v) => v.id === id), list: () => vms },
    shareRoot,
    vmDir: (id: string) => join(shareRoot, '..', 'vms', id),
    newId: () => 'ffff0000',
    now: () => 't',
    logger: quiet,
  } as unknown as LabDeps;
}

describe('after a restart, only what the journal says the run made is removed', () => {
  it("keeps an operator's VM and share named like the run's, and removes the run's own by id", async () => {
    const vms = [
      { id: 'mine1', name: `bench-${RUN}-9p-1`, state: 'stopped' as const },
      { id: 'user1', name: `bench-${RUN}-9p-2`, state: 'stopped' as const },
    ];
    const shares = [
      { id: 'sh1', name: `bench-${RUN}-9p-1-b9p0` },
      { id: 'ush', name: `bench-${RUN}-my-share` },
    ];
    const { id } = runDir({ shareRoot }, RUN);
    const out = await removeRunLeftovers(fakeLab(vms, shares), RUN, { vmIds: ['mine1'], shareIds: ['sh1'], imageIds: [], runDir: id });
    expect(vms.map((v) => v.id)).toEqual(['user1']);
    expect(shares.map((s) => s.id)).toEqual(['ush']);
    expect(out.left).toEqual([]);
    expect(cleanupWords(out)).toBe(`removed VM bench-${RUN}-9p-1, share bench-${RUN}-9p-1-b9p0, ${benchNames(RUN).dir(shareRoot)}`);
  });

  it('a journal without a record of what was made removes nothing', async () => {
    const vms = [{ id: 'user1', name: `bench-${RUN}-9p-1`, state: 'stopped' as const }];
    const made = madeFromJournal(undefined)!;
    await removeRunLeftovers(fakeLab(vms, []), RUN, made);
    expect(vms).toHaveLength(1);
    expect(madeFromJournal({ vmIds: ['../x'], shareIds: [], imageIds: [], runDir: null })).toBeNull();
    expect(madeFromJournal({ vmIds: [], shareIds: [], imageIds: [], runDir: { dev: -1, ino: 2 } })).toBeNull();
  });
});

describe('starting benchmarks at the same time', () => {
  it('lets one start and refuses the others with benchmark_running', async () => {
    const rows = new Map<string, BenchmarkRun>();
    const runs = {
      insert: (r: BenchmarkRun) => void rows.set(r.id, structuredClone(r)),
      save: (r: BenchmarkRun) => void rows.set(r.id, structuredClone(r)),
      get: (id: string) => rows.get(id),
      list: () => [...rows.values()],
      unfinished: () => [...rows.values()].filter((r) => r.state === 'running' || r.state === 'queued'),
    } as unknown as BenchmarkRepository;
    let n = 0;
    const jobs = {
      start: () => ({ id: `job${++n}` }),
      onRecover: () => undefined,
      list: () => [],
      cancel: () => undefined,
    } as unknown as JobService;
    // The host's facts take a moment, as findmnt does: the window the three requests raced through.
    const host = {
      info: () =>
        new Promise((resolve) =>
          setTimeout(
            () =>
              resolve({
                hostname: 'h',
                kernel: 'k',
                cpu: { model: 'c', logicalCpus: 2 },
                memory: { totalBytes: 1 },
                tools: {},
                accelerator: { selected: 'tcg' },
              }),
            50,
          ),
        ),
    } as unknown as HostProvider;
    let ids = 0;
    const service = createBenchmarkService({
      jobs,
      runs,
      lab: { ...fakeLab([], []), newId: () => `aaaa${++ids}0` },
      host,
      imagesDir: shareRoot,
      reference: () => ({ source: '', rows: [] }) as never,
    });
    const body = { targets: ['virtio-blk' as const], patterns: ['seq-read' as const], blockSizes: [65536 as const], sizeMiB: 4 };
    const results = await Promise.allSettled([service.start(body), service.start(body), service.start(body)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.map((r) => (r.reason as { code: string }).code)).toEqual(['benchmark_running', 'benchmark_running']);
    expect(rows.size).toBe(1);
    // A start that fails lets the next one through.
    rows.clear();
    await expect(service.start({ ...body, sizeMiB: 1e9 })).rejects.toThrow(/MiB/);
    await expect(service.start(body)).resolves.toMatchObject({ run: { state: 'running' } });
  });
});
