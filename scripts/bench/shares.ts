// Share throughput (issue 14): one full benchmark run through the real service on this host, printed
// in the VirtFS article's layout (rows: block size; columns: targets; one table per pattern, MB/s
// and IOPS), then this host's ratios beside the article's and the recommendations.
// STRATA_BENCH_BODY='{"targets":["9p"],"sizeMiB":8}' runs a subset, STRATA_BENCH_CAP_SEC
// changes the per-cell time cap, STRATA_BENCH_OUT=file keeps the run as JSON.
import { rmSync, writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { BenchCell, BenchmarkRun, BenchmarkStarted, BenchReference } from '@strata/contract';
import type { Config } from '../../apps/server/src/config.js';
import { benchConfig } from './bench-config.js';
import { buildApp } from '../../apps/server/src/app.js';
import { TOKEN } from '../../apps/server/test/harness.js';
import { killAll } from '../../e2e/processes.mjs';
import { releaseShareRoots } from '@strata/host';

const config: Config = {
  ...benchConfig('shares'),
  ...(process.env.STRATA_BENCH_CAP_SEC ? { benchRuntimeCapSec: Number(process.env.STRATA_BENCH_CAP_SEC) } : {}),
};
const { dataDir } = config;
const auth = { authorization: `Bearer ${TOKEN}` };
const api = async <T>(app: FastifyInstance, method: 'GET' | 'POST', url: string, payload?: object) => {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers: auth, payload });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
};

const LABEL: Record<number, string> = { 4096: '4KB', 65536: '64KB', 1048576: '1MB' };
const pad = (s: string, n: number) => s.padStart(n);
const mbs = (c: BenchCell | undefined) =>
  !c ? '' : c.state === 'done' && c.bytesPerSec !== null ? (c.bytesPerSec / 1e6).toFixed(1) : c.state === 'failed' ? 'failed' : c.state;
const iops = (c: BenchCell | undefined) => (c?.state === 'done' && c.iops !== null ? Math.round(c.iops).toString() : '');

function printTables(run: BenchmarkRun, ref: BenchReference): void {
  const columns = [...new Map(run.cells.map((c) => [`${c.target}|${c.variant}`, c])).values()];
  for (const pattern of run.options.patterns) {
    console.log(`\n${pattern} — MB/s (IOPS)`);
    const heads = columns.map((c) => (c.variant === c.target ? c.target : `${c.target} ${c.variant}`));
    const width = Math.max(14, ...heads.map((h) => h.length + 1));
    console.log(['block', ...heads, 'article VirtFS/virtio/IDE'].map((h, i) => (i === 0 ? h.padEnd(6) : pad(h, width))).join(''));
    for (const bs of run.options.blockSizes) {
      const row = columns.map((col) => {
        const c = run.cells.find(
          (x) => x.target === col.target && x.variant === col.variant && x.pattern === pattern && x.blockSize === bs,
        );
        return pad(`${mbs(c)}${iops(c) ? ` (${iops(c)})` : ''}`, width);
      });
      const r = ref.rows.find((x) => x.pattern === pattern && x.blockSize === bs);
      const article = r ? [r.virtfs, r.virtioBlk, r.ide].map((v) => (v === null ? '?' : (v / 1000).toFixed(0))).join('/') : '';
      console.log([(LABEL[bs] ?? String(bs)).padEnd(6), ...row, pad(article, width)].join(''));
    }
  }
  console.log("\nratios (the article's: sequential reads, random writes; where a run lacks one, the other direction stands in)");
  for (const r of run.ratios ?? [])
    console.log(
      `  ${r.label.padEnd(60)} host ${r.value === null ? '  —  ' : r.value.toFixed(2).padStart(6)}   article ${r.article.toFixed(2)}${r.pattern ? `   (${r.pattern})` : ''}`,
    );
  console.log('\nrecommendations');
  for (const r of run.recommendations) console.log(`  ${r.target}: ${r.message}${r.defaultBehind ? '  [DEFAULT BEHIND]' : ''}`);
  const failed = run.cells.filter((c) => c.state === 'failed');
  for (const c of failed) console.log(`  failed ${c.target} ${c.variant} ${c.pattern} ${c.blockSize}: ${c.error}`);
}

const started = Date.now();
const app = await buildApp(config);
try {
  const body = process.env.STRATA_BENCH_BODY ? (JSON.parse(process.env.STRATA_BENCH_BODY) as object) : {};
  const { run } = await api<BenchmarkStarted>(app, 'POST', '/benchmarks', body);
  console.log(`share benchmark ${run.id}: ${run.cells.length} cells, ${run.options.sizeMiB} MiB each, cap ${run.options.runtimeCapSec} s`);
  let current = run;
  for (let seen = 0; current.state === 'running';) {
    await new Promise((r) => setTimeout(r, 2000));
    current = await api<BenchmarkRun>(app, 'GET', `/benchmarks/${run.id}`);
    const done = current.cells.filter((c) => c.state !== 'pending' && c.state !== 'running').length;
    if (done !== seen) process.stdout.write(`\r  ${done}/${current.cells.length} cells, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    seen = done;
  }
  const seconds = (Date.now() - started) / 1000;
  const h = current.host;
  console.log(
    `\n\n${current.state} in ${seconds.toFixed(0)} s on ${h.hostname}: ${h.cpuModel}, ${h.cpus} CPUs, ${h.kernel}, ${h.qemuVersion}, UML ${h.umlVersion}, ${h.accelerator}, ${h.fileSystem}`,
  );
  printTables(current, await api<BenchReference>(app, 'GET', '/benchmarks/reference'));
  const overheads = current.cells
    .filter((c) => c.startedAt && c.finishedAt && c.runtimeMs !== undefined)
    .map((c) => Date.parse(c.finishedAt!) - Date.parse(c.startedAt!) - c.runtimeMs!);
  if (overheads.length > 0)
    console.log(
      `\nper cell: fio's timed part plus ${(overheads.reduce((a, b) => a + b, 0) / overheads.length / 1000).toFixed(1)} s on average around it`,
    );
  if (process.env.STRATA_BENCH_OUT) writeFileSync(process.env.STRATA_BENCH_OUT, JSON.stringify(current, null, 2));
} finally {
  await app.close();
  killAll(`${dataDir}/`);
  await releaseShareRoots(config.shareRoots, { everyBind: true });
  rmSync(dataDir, { recursive: true, force: true });
}
