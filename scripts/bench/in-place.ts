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
  run('qemu-io', '-f', format, ...Array.from({ length: Math.ceil(size / GiB) }, (_, i) => ['-c', `write -P 0x5a ${i * GiB} ${Math.min(GiB, size - i * GiB)}`]).flat(), path); // the top's 64 MiB lie in the middle of the parent's data

interface Row { tool: number; strata: number; space: number; top: number }

/** parent (qcow2, `size` of 0x5a) ← top (64 MiB of 0xa5): the tool commits a copy, Strata the original. */
async function qcow2(size: number): Promise<Row> {
  const chain = (name: string) => {
    const parent = join(dir, `${name}-parent.qcow2`);
    const top = join(dir, `${name}-top.qcow2`);
    run('qemu-img', 'create', '-q', '-f', 'qcow2', parent, String(size));
    fill(parent, 'qcow2', size);
    run('qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', parent, top);
    run('qemu-io', '-f', 'qcow2', '-c', `write -P 0xa5 ${at(size)} ${TOP}`, top);
    return { parent, top };
  };
  const copy = chain('copy');
  run('sync');
  const tool = timed('qemu-img', 'commit', '-q', '-f', 'qcow2', copy.top);
  rmSync(copy.parent);
  rmSync(copy.top);
  const own = chain('strata');
  run('sync');
  const merger = strataMerger(dir, { parent: { path: own.parent, format: 'qcow2' }, top: { path: own.top, format: 'qcow2' }, virtualSize: size });
  const top = allocated(own.top);
  const space = merger.plan().modes.find((m) => m.mode === 'commit')!.spaceNeeded;
  const strata = await merger.commit();
  rmSync(own.parent);
  return { tool, strata, space, top };
}

/** backing (raw, `size` of 0x5a) ← COW (64 MiB of 0xa5): uml_moo -d on a copy, Strata on the original. */
async function uml(size: number): Promise<Row> {
  const pair = (name: string) => {
    const backing = join(dir, `${name}.raw`);
    const cow = join(dir, `${name}.cow`);
    run('qemu-img', 'create', '-q', '-f', 'raw', backing, String(size));
    fill(backing, 'raw', size);
    makeCow(cow, backing, at(size), TOP, 0xa5);
    return { backing, cow };
  };
  const copy = pair('copy');
  run('sync');
  const tool = timed('uml_moo', '-d', '-b', copy.backing, copy.cow);
  rmSync(copy.backing);
  rmSync(copy.cow);
  const own = pair('strata');
  run('sync');
  const merger = strataMerger(dir, { parent: { path: own.backing, format: 'raw' }, top: { path: own.cow, format: 'uml-cow' }, virtualSize: size });
  const top = allocated(own.cow);
  const space = merger.plan().modes.find((m) => m.mode === 'commit')!.spaceNeeded;
  const strata = await merger.commit();
  rmSync(own.backing, { force: true });
  return { tool, strata, space, top };
}

const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
try {
  const rows: Record<string, Record<'1 GiB' | '4 GiB', Row>> = {
    'qcow2 commit': { '1 GiB': await qcow2(GiB), '4 GiB': await qcow2(4 * GiB) },
    'UML -d': { '1 GiB': await uml(GiB), '4 GiB': await uml(4 * GiB) },
  };
  console.log('\nIn-place merges: a 64 MiB top over a parent of real data (this host, one run)\n');
  console.log('                 parent   tool        Strata      Strata/tool   space asked / (1.1 x top + 16 MiB)');
  for (const [kind, bySize] of Object.entries(rows)) {
    for (const [size, r] of Object.entries(bySize)) {
      const ratio = r.strata / r.tool;
      const spaceLimit = 1.1 * r.top + 16 * MiB;
      console.log(`${kind.padEnd(16)} ${size}   ${r.tool.toFixed(3)} s     ${r.strata.toFixed(3)} s     ${ratio.toFixed(2)} ${verdict(ratio <= 2).padEnd(6)}  ${(r.space / MiB).toFixed(1)} MiB / ${(spaceLimit / MiB).toFixed(1)} MiB ${verdict(r.space <= spaceLimit)}`);
    }
    const growth = bySize['4 GiB'].strata / bySize['1 GiB'].strata;
    console.log(`${kind.padEnd(16)} Strata 4 GiB / 1 GiB = ${growth.toFixed(2)} ${verdict(growth <= 1.3)} (target <= 1.3)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
