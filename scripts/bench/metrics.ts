// Metrics benchmarks (issue 7), side by side in one run on this host:
//   the sampler's CPU time per VM per second with 1, 5 and 10 running VMs;
//   SSE delivery latency p50/p95 with 1, 10, 100 and 1000 concurrent clients on loopback;
//   guest dd throughput with streaming on and off (the overhead ratio).
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Vm } from '@strata/contract';
import type { Config } from '../../apps/server/src/config.js';
import { benchConfig } from './bench-config.js';
import { buildApp } from '../../apps/server/src/app.js';
import { ConsoleClient } from '../../apps/server/test/console-client.js';
import { promptPattern } from '../../apps/server/test/api-client.js';
import { TOKEN } from '../../apps/server/test/harness.js';
import type { Sampler } from '../../apps/server/src/metrics/sampler.js';
import { killAll } from '../../e2e/processes.mjs';

const base: Config = benchConfig('metrics');
const { dataDir } = base;
const auth = { authorization: `Bearer ${TOKEN}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function serve(metricsIntervalMs: number): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp({ ...base, metricsIntervalMs });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

const api = async <T>(app: FastifyInstance, method: 'GET' | 'POST', url: string, payload?: object): Promise<T> =>
  (await app.inject({ method, url: `/api/v1${url}`, headers: auth, payload })).json() as T;

/** The sampler's CPU ms per round (one round a second), as it measures itself, once the guests have booted. */
async function samplerCpu(app: FastifyInstance): Promise<number> {
  await sleep(20_000);
  const { cost } = (app as unknown as { sampler: Sampler }).sampler;
  const before = { ...cost };
  await sleep(10_000);
  return (cost.cpuMicros - before.cpuMicros) / 1000 / Math.max(1, cost.rounds - before.rounds);
}

/** Host samples are published the moment they are taken: latency is arrival minus their timestamp. */
async function sseLatency(url: string, clients: number): Promise<{ p50: number; p95: number }> {
  const latencies: number[] = [];
  const requests = Array.from({ length: clients }, () => {
    let buffer = '';
    const req = request(`${url}/api/v1/metrics/stream?vm=none`, { headers: auth }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = Date.now();
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.includes('event: host') && data) latencies.push(now - (JSON.parse(data.slice(6)) as { ts: number }).ts);
        }
      });
    });
    req.on('error', () => undefined);
    req.end();
    return req;
  });
  await sleep(6000);
  for (const r of requests) r.destroy();
  return { p50: pct(latencies, 50), p95: pct(latencies, 95) };
}

async function ddRate(url: string, vmId: string): Promise<number> {
  execFileSync('sync'); // each run starts with the host's page cache flushed
  const viewer = await ConsoleClient.open(url, vmId);
  const out = await viewer.run(
    "a=$(cut -d' ' -f1 /proc/uptime); dd if=/dev/zero of=/root/big bs=1M count=300 oflag=direct 2>/dev/null; b=$(cut -d' ' -f1 /proc/uptime); rm /root/big; echo \"DD $a $b\"",
    120_000,
  );
  viewer.close();
  const m = /DD ([\d.]+) ([\d.]+)/.exec(out)!;
  return (300 * 1048576) / (Number(m[2]) - Number(m[1]));
}

try {
  let server = await serve(1000);
  const ids: string[] = [];
  const cost: Record<number, number> = { 0: await samplerCpu(server.app) };
  for (const n of [1, 5, 10]) {
    while (ids.length < n) {
      const vm = await api<Vm>(server.app, 'POST', '/vms', { name: `bench-${ids.length}`, memoryMiB: 96 });
      await api(server.app, 'POST', `/vms/${vm.id}/start`);
      ids.push(vm.id);
    }
    cost[n] = await samplerCpu(server.app);
  }
  const latency: Record<number, { p50: number; p95: number }> = {};
  for (const clients of [1, 10, 100, 1000]) latency[clients] = await sseLatency(server.url, clients);
  for (const id of ids.slice(1)) await api(server.app, 'POST', `/vms/${id}/stop`);

  // dd in the first VM, alternating a server that samples (with a stream client) and one that does not.
  const viewer = await ConsoleClient.open(server.url, ids[0]!);
  await viewer.waitFor(promptPattern, 120_000);
  viewer.close();
  await ddRate(server.url, ids[0]!); // warm-up: the first write after boot is not like the others
  const rates: { on: number[]; off: number[] } = { on: [], off: [] };
  for (const round of [0, 1, 2, 3, 4]) {
    for (const mode of ['on', 'off'] as const) {
      await server.app.close();
      server = await serve(mode === 'on' ? 1000 : 0);
      const watcher = mode === 'on' ? request(`${server.url}/api/v1/metrics/stream`, { headers: auth }) : null;
      watcher?.on('error', () => undefined).end();
      rates[mode].push(await ddRate(server.url, ids[0]!));
      watcher?.destroy();
    }
    void round;
  }
  await server.app.close();

  const median = (xs: number[]) => pct(xs, 50);
  const perVm = (n: number) => (cost[n]! - cost[0]!) / n;
  console.log(
    '\nsampler CPU time per VM per second (one round a second; a round with no VM, sampling the host only, takes ' +
      `${cost[0]!.toFixed(2)} ms)`,
  );
  for (const n of [1, 5, 10])
    console.log(
      `  ${String(n).padStart(2)} VMs: ${perVm(n).toFixed(2)} ms per VM   (round ${cost[n]!.toFixed(2)} ms; per-VM ratio to 1 VM: ${(perVm(n) / perVm(1)).toFixed(2)})`,
    );
  console.log('\nSSE delivery latency of a sample, loopback');
  for (const c of [1, 10, 100, 1000])
    console.log(
      `  ${String(c).padStart(4)} clients: p50 ${latency[c]!.p50} ms, p95 ${latency[c]!.p95} ms   (p95 ratio to 1 client: ${(latency[c]!.p95 / Math.max(1, latency[1]!.p95)).toFixed(1)})`,
    );
  console.log('\nguest dd, 300 MiB O_DIRECT, streaming on vs off');
  console.log(
    `  on:  median ${(median(rates.on) / 1048576).toFixed(1)} MiB/s  (runs: ${rates.on.map((r) => (r / 1048576).toFixed(0)).join(', ')})`,
  );
  console.log(
    `  off: median ${(median(rates.off) / 1048576).toFixed(1)} MiB/s  (runs: ${rates.off.map((r) => (r / 1048576).toFixed(0)).join(', ')})`,
  );
  console.log(`  overhead ratio (off / on, medians): ${(median(rates.off) / median(rates.on)).toFixed(3)}`);
} finally {
  killAll(`${dataDir}/`);
  rmSync(dataDir, { recursive: true, force: true });
}
