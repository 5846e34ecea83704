// In-place merges (issue 13), side by side in one run: a 64 MiB top over a parent of 1 GiB and of
// 4 GiB of real data. Strata's offline commit job (start to done, verification included) against
// `qemu-img commit` of a copy of the same chain; for UML, Strata against `uml_moo -d` on a copy.
// Targets: Strata ÷ tool ≤ 2; Strata at 4 GiB ÷ at 1 GiB ≤ 1.3; space asked ≤ 1.1 × top + 16 MiB.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCow } from '../../packages/uml/test/cow-fixture.js';
import { strataMerger } from './strata-merge.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TOP = 64 * MiB;
const dir = mkdtempSync(join(tmpdir(), 'strata-bench-inplace-'));
const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
const timed = (cmd: string, ...args: string[]) => {
  const started = process.hrtime.bigint();
  run(cmd, ...args);
  return Number(process.hrtime.bigint() - started) / 1e9;
};
const allocated = (path: string) => statSync(path).blocks * 512;
const at = (parent: number) => parent / 2;
/** qemu-io writes at most 2 GiB per command: the parent's data in 1 GiB writes. */
const fill = (path: string, format: string, size: number) =>
  run(
    'qemu-io',
    '-f',
    format,
    ...Array.from({ length: Math.ceil(size / GiB) }, (_, i) => ['-c', `write -P 0x5a ${i * GiB} ${Math.min(GiB, size - i * GiB)}`]).flat(),
    path,
  ); // the top's 64 MiB lie in the middle of the parent's data

interface Row {
  tool: number;
  strata: number;
  space: number;
  top: number;
}
const ROUNDS = 3;
/** Single runs of a 0.1 s tool on a shared 2-core host are noisy: each figure is the median of ROUNDS. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Two parents of `size` bytes of real data (one for the tool, one for Strata); each round puts a
 * fresh 64 MiB top on both and merges it. `kind` says how a parent, a top and a merge are made.
 */
async function compare(
  size: number,
  kind: {
    parent(path: string): void;
    top(parent: string, top: string, fill: number): void;
    tool(parent: string, top: string): number;
    strata(parent: string, top: string): { space: number; merge(): Promise<number> };
    ext: [string, string];
  },
): Promise<Row> {
  const parents = ['tool', 'strata'].map((who) => join(dir, `${who}-parent.${kind.ext[0]}`)) as [string, string];
  for (const p of parents) kind.parent(p);
  const rows: Row[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const tops = ['tool', 'strata'].map((who) => join(dir, `${who}-top-${round}.${kind.ext[1]}`)) as [string, string];
    kind.top(parents[0], tops[0], 0xa0 + round);
    kind.top(parents[1], tops[1], 0xa0 + round);
    run('sync');
    const tool = kind.tool(parents[0], tops[0]);
    const top = allocated(tops[1]);
    const own = kind.strata(parents[1], tops[1]);
    rows.push({ tool, strata: await own.merge(), space: own.space, top });
    for (const t of tops) rmSync(t, { force: true });
  }
  for (const p of parents) rmSync(p, { force: true });
  return {
    tool: median(rows.map((r) => r.tool)),
    strata: median(rows.map((r) => r.strata)),
    space: Math.max(...rows.map((r) => r.space)),
    top: Math.min(...rows.map((r) => r.top)),
  };
}

const strataJob = (parent: { path: string; format: 'qcow2' | 'raw' }, top: { path: string; format: 'qcow2' | 'uml-cow' }, size: number) => {
  const merger = strataMerger(dir, { parent, top, virtualSize: size });
  return { space: merger.plan().modes.find((m) => m.mode === 'commit')!.spaceNeeded, merge: () => merger.commit() };
};

/** parent (qcow2 of 0x5a) ← top (64 MiB): `qemu-img commit` of the tool's copy, Strata's job on its own. */
const qcow2 = (size: number) =>
  compare(size, {
    ext: ['qcow2', 'qcow2'],
    parent: (p) => {
      run('qemu-img', 'create', '-q', '-f', 'qcow2', p, String(size));
      fill(p, 'qcow2', size);
    },
    top: (parent, top, byte) => {
      run('qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', parent, top);
      run('qemu-io', '-f', 'qcow2', '-c', `write -P ${byte} ${at(size)} ${TOP}`, top);
    },
    tool: (_parent, top) => timed('qemu-img', 'commit', '-q', '-f', 'qcow2', top),
    strata: (parent, top) => strataJob({ path: parent, format: 'qcow2' }, { path: top, format: 'qcow2' }, size),
  });

/** backing (raw of 0x5a) ← COW (64 MiB): `uml_moo -d` on the tool's copy, Strata's job on its own. */
const uml = (size: number) =>
  compare(size, {
    ext: ['raw', 'cow'],
    parent: (p) => {
      run('qemu-img', 'create', '-q', '-f', 'raw', p, String(size));
      fill(p, 'raw', size);
    },
    top: (backing, cow, byte) => makeCow(cow, backing, at(size), TOP, byte),
    tool: (backing, cow) => timed('uml_moo', '-d', '-b', backing, cow),
    strata: (backing, cow) => strataJob({ path: backing, format: 'raw' }, { path: cow, format: 'uml-cow' }, size),
  });

const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
try {
  const rows: Record<string, Record<'1 GiB' | '4 GiB', Row>> = {
    'qcow2 commit': { '1 GiB': await qcow2(GiB), '4 GiB': await qcow2(4 * GiB) },
    'UML -d': { '1 GiB': await uml(GiB), '4 GiB': await uml(4 * GiB) },
  };
  console.log(`\nIn-place merges: a 64 MiB top over a parent of real data (this host, median of ${ROUNDS} rounds)\n`);
  console.log('                 parent   tool        Strata      Strata/tool   space asked / (1.1 x top + 16 MiB)');
  for (const [kind, bySize] of Object.entries(rows)) {
    for (const [size, r] of Object.entries(bySize)) {
      const ratio = r.strata / r.tool;
      const spaceLimit = 1.1 * r.top + 16 * MiB;
      console.log(
        `${kind.padEnd(16)} ${size}   ${r.tool.toFixed(3)} s     ${r.strata.toFixed(3)} s     ${ratio.toFixed(2)} ${verdict(ratio <= 2).padEnd(6)}  ${(r.space / MiB).toFixed(1)} MiB / ${(spaceLimit / MiB).toFixed(1)} MiB ${verdict(r.space <= spaceLimit)}`,
      );
    }
    const growth = bySize['4 GiB'].strata / bySize['1 GiB'].strata;
    console.log(`${kind.padEnd(16)} Strata 4 GiB / 1 GiB = ${growth.toFixed(2)} ${verdict(growth <= 1.3)} (target <= 1.3)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
