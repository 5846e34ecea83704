// Layer benchmarks (issue 4), side by side in one run on this host:
//   overlay creation vs cp of a 1 GiB base; commit of an overlay 10% vs 100% allocated;
//   merge throughput vs dd of the same number of bytes.
// The merge is Strata's copying one: write the merged chain to a new file (convertImage), check
// it, compare it with the original, fsync — what stream and new base do before their rename. An
// offline commit is done in place now: scripts/bench/in-place.ts measures that.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImage, convertImage, sameContent } from '@strata/qemu';

const GiB = 1024 ** 3;
const dir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
const time = async (work: () => unknown): Promise<number> => {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
};
const fill = (image: string, bytes: number) => run('qemu-io', '-f', 'qcow2', '-c', `write -P 0x5a 0 ${bytes}`, image);
const allocated = (path: string) => statSync(path).blocks * 512;
const dropCaches = () => run('sync');

/** An offline commit of `top` into its parent, which stands on `base`: the new parent file is top + parent over base. */
async function merge(top: string, base: string): Promise<{ write: number; verify: number }> {
  const target = `${top}.merged`;
  const backing = { path: base, format: 'qcow2' };
  const write = await time(() =>
    convertImage(top, 'qcow2', target, { backing, onProgress: () => undefined, signal: new AbortController().signal }),
  );
  const verify = await time(async () => {
    await checkImage(target, 'qcow2');
    if (!(await sameContent(top, 'qcow2', target, 'qcow2'))) throw new Error('merge produced different content');
    run('sync', target);
  });
  rmSync(target);
  return { write, verify };
}

try {
  const base = join(dir, 'base.qcow2');
  run('qemu-img', 'create', '-q', '-f', 'qcow2', base, String(GiB));
  fill(base, GiB);
  dropCaches();
  const overlay = join(dir, 'overlay.qcow2');
  const tOverlay = await time(() => run('qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay));
  const tCp = await time(() => run('cp', base, join(dir, 'copy.qcow2')));
  rmSync(join(dir, 'copy.qcow2'));

  const results: Record<string, { bytes: number; write: number; verify: number }> = {};
  for (const share of [0.1, 1]) {
    // base (shared) → parent (the VM's snapshot) → top (written since): commit top into parent.
    const parent = join(dir, `parent-${share}.qcow2`);
    run('qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, parent);
    const top = join(dir, `top-${share}.qcow2`);
    run('qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', parent, top);
    fill(top, Math.round((GiB * share) / 65536) * 65536);
    dropCaches();
    results[`${share * 100}%`] = { bytes: allocated(top), ...(await merge(top, base)) };
  }
  const full = results['100%']!;
  const ddOut = join(dir, 'dd.out');
  const tDd = await time(() => run('dd', `if=${join(dir, 'top-1.qcow2')}`, `of=${ddOut}`, 'bs=1M', 'conv=fsync', 'status=none'));

  const mb = (bytes: number, s: number) => `${(bytes / 1048576 / s).toFixed(0)} MB/s`;
  console.log('\nStrata layer benchmarks (1 GiB virtual, qcow2, this host, one run)\n');
  console.log(`overlay creation                 ${(tOverlay * 1000).toFixed(1).padStart(8)} ms`);
  console.log(
    `cp of the 1 GiB base             ${(tCp * 1000).toFixed(1).padStart(8)} ms    overlay is ${(tCp / tOverlay).toFixed(0)}x faster`,
  );
  for (const [share, r] of Object.entries(results)) {
    console.log(
      `merge, overlay ${share.padStart(4)} allocated   write ${r.write.toFixed(2)} s + verify ${r.verify.toFixed(2)} s   (${(r.bytes / 1048576).toFixed(0)} MiB allocated)`,
    );
  }
  const ten = results['10%']!;
  console.log(`merge time 100% / 10%            ${((full.write + full.verify) / (ten.write + ten.verify)).toFixed(1)}x`);
  console.log(
    `merge write throughput           ${mb(full.bytes, full.write)}   vs dd of the same bytes ${mb(full.bytes, tDd)}   ratio ${(tDd / full.write).toFixed(2)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
