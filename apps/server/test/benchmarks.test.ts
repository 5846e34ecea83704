import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchCell, BenchmarkRun, BenchmarkStarted, BenchmarkSummary, BenchReference, Vm, VmSample } from '@strata/contract';
import { startServer, type TestServer } from './harness.js';
import { apiClient } from './api-client.js';
import { collectSse } from './events-client.js';

let server: TestServer;
const { api } = apiClient(() => server);

async function runToEnd(id: string, onPoll?: (run: BenchmarkRun) => Promise<void> | void): Promise<BenchmarkRun> {
  const deadline = Date.now() + 330_000;
  for (;;) {
    const run = (await api<BenchmarkRun>('GET', `/benchmarks/${id}`)).body;
    if (run.state !== 'running' && run.state !== 'queued') return run;
    if (Date.now() > deadline) throw new Error(`benchmark ${id} still running: ${JSON.stringify(run.cells.map((c) => c.state))}`);
    await onPoll?.(run);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Bytes the sampler saw move in the cell's direction on its target, over every sample whose
 * interval overlaps the cell, divided by fio's runtime: the live series' figure for the cell.
 * Reads and writes are apart, so the layout or the neighbouring cell (other direction) adds nothing.
 */
function seriesRate(samples: VmSample[], cell: BenchCell): number {
  const start = Date.parse(cell.startedAt!);
  const end = Date.parse(cell.finishedAt!);
  const read = cell.pattern.endsWith('read');
  const bytes = samples
    .filter((s) => s.vmId === cell.vmId && s.ts > start && s.ts - s.intervalMs < end)
    .reduce((sum, s) => {
      const source = cell.target === '9p' ? s.shares.find((x) => x.transport === '9p') : s.disks.find((d) => d.id === 'disk1');
      const rate = source ? (read ? source.readBps : source.writeBps) : 0;
      return sum + (rate * s.intervalMs) / 1000;
    }, 0);
  return bytes / (cell.runtimeMs! / 1000);
}

describe('share benchmarks through the API, in throwaway VMs', () => {
  beforeAll(async () => {
    // A cap long enough that 64 MiB always finishes, so every cell moves exactly sizeMiB.
    server = await startServer({ benchRuntimeCapSec: 20, metricsIntervalMs: 500 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses bad bodies with 400 naming the field', async () => {
    const cases: [object, string][] = [
      [{ targets: ['nfs'] }, 'targets'],
      [{ targets: [] }, 'targets'],
      [{ blockSizes: [1000] }, 'blockSizes'],
      [{ patterns: ['seq-read', 'seq-read'] }, 'patterns'],
      [{ sizeMiB: 0 }, 'sizeMiB'],
      [{ sizeMiB: 1e9 }, 'sizeMiB'],
      [{ sizeMiB: '16' }, 'sizeMiB'],
      [{ rogue: true }, 'rogue'],
    ];
    for (const [body, field] of cases) {
      const res = await api<{ field?: string; message: string }>('POST', '/benchmarks', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(`${res.body.field ?? ''} ${res.body.message}`, JSON.stringify(body)).toContain(field);
    }
    expect((await api('GET', '/benchmarks/nope')).status).toBe(404);
  });

  it("serves the VirtFS article's table", async () => {
    const ref = await api<BenchReference>('GET', '/benchmarks/reference');
    expect(ref.status).toBe(200);
    expect(ref.body.rows).toHaveLength(12);
    expect(ref.body.rows.find((r) => r.pattern === 'seq-read' && r.blockSize === 1048576)?.virtfs).toBe(672491);
    expect(JSON.stringify(ref.body)).not.toMatch(/seed/i);
  });

  it('measures 9p and virtio-blk, agrees with the live metrics, and removes its VMs', { timeout: 360_000 }, async () => {
    const stream = collectSse<VmSample>(`${server.url}/api/v1/metrics/stream?host=false`);
    try {
      const body = { targets: ['virtio-blk', '9p'], patterns: ['seq-read', 'seq-write'], blockSizes: [65536], sizeMiB: 64 };
      const started = await api<BenchmarkStarted>('POST', '/benchmarks', body);
      expect(started.status).toBe(202);
      expect(started.body.job.kind).toBe('benchmark');
      expect(started.body.run.cells).toHaveLength(8);
      expect((await api('POST', '/benchmarks', body)).status).toBe(409);
      const benchVmsSeen = new Set<string>();
      const run = await runToEnd(started.body.run.id, async () => {
        for (const vm of (await api<Vm[]>('GET', '/vms')).body) if (vm.name.startsWith('bench-')) benchVmsSeen.add(vm.name);
      });
      expect(run.state, JSON.stringify(run.cells.map((c) => c.error))).toBe('succeeded');
      // The throwaway VMs were in the VM list while they ran, and are gone with their shares and files.
      expect(benchVmsSeen.size).toBeGreaterThanOrEqual(2);
      expect((await api<Vm[]>('GET', '/vms')).body.filter((v) => v.name.startsWith('bench-'))).toEqual([]);
      expect((await api<{ name: string }[]>('GET', '/shares')).body.filter((s) => s.name.startsWith('bench-'))).toEqual([]);
      expect(readdirSync(server.config.shareRoots[0]!).filter((n) => n.startsWith('strata-bench-'))).toEqual([]);
      expect(run.host.accelerator).toMatch(/^(tcg|kvm)$/);
      expect(run.host.fileSystem).not.toBe('');

      const samples = stream.frames.filter((f) => f.event === 'vm').map((f) => f.data);
      for (const cell of run.cells) {
        const where = `${cell.target} ${cell.variant} ${cell.pattern}`;
        expect(cell.state, where).toBe('done');
        expect(cell.bytesPerSec!, where).toBeGreaterThan(0);
        expect(cell.iops!, where).toBeGreaterThan(0);
        expect(cell.ioBytes, where).toBe(64 * 1048576);
        expect(cell.direct, where).toBe(true);
        const seen = seriesRate(samples, cell);
        expect(seen / cell.bytesPerSec!, `${where}: series ${seen}, fio ${cell.bytesPerSec}`).toBeGreaterThan(0.5);
        expect(seen / cell.bytesPerSec!, `${where}: series ${seen}, fio ${cell.bytesPerSec}`).toBeLessThan(2);
      }
      expect(run.recommendations.map((r) => r.target)).toEqual([]); // no 1 MB cells: nothing to recommend

      const list = await api<BenchmarkSummary[]>('GET', '/benchmarks');
      expect(list.body[0]).toMatchObject({ id: run.id, state: 'succeeded', cellCount: 8, failedCells: 0 });
      const csv = await server.app.inject({
        url: `/api/v1/benchmarks/${run.id}/export?format=csv`,
        headers: { authorization: 'Bearer test-token' },
      });
      expect(csv.headers['content-disposition']).toBe(`attachment; filename="strata-benchmark-${run.id}.csv"`);
      expect(csv.body.split('\n').filter((l) => l.startsWith('"9p",') || l.startsWith('"virtio-blk",'))).toHaveLength(8);
      const json = await server.app.inject({
        url: `/api/v1/benchmarks/${run.id}/export?format=json`,
        headers: { authorization: 'Bearer test-token' },
      });
      expect(json.headers['content-disposition']).toContain('.json');
      expect((JSON.parse(json.body) as BenchmarkRun).id).toBe(run.id);
    } finally {
      stream.close();
    }
  });

  it('fails the cell of a guest killed mid-run with the reason, and runs the next cell in a fresh VM', { timeout: 240_000 }, async () => {
    // 96 MiB at 64 KiB blocks takes a TCG guest seconds: time enough to kill its VM while the first cell runs.
    const started = await api<BenchmarkStarted>('POST', '/benchmarks', {
      targets: ['virtio-blk'],
      patterns: ['seq-write', 'seq-read'],
      blockSizes: [65536],
      sizeMiB: 96,
    });
    expect(started.status).toBe(202);
    let killed: number | null = null;
    const run = await runToEnd(started.body.run.id, async (r) => {
      const cell = r.cells[0]!;
      if (killed !== null || cell.state !== 'running' || !cell.vmId) return;
      const vm = (await api<Vm>('GET', `/vms/${cell.vmId}`)).body;
      if (vm.pid) process.kill((killed = vm.pid), 'SIGKILL');
    });
    expect(killed).not.toBeNull();
    expect(run.state).toBe('succeeded');
    const [write, read] = run.cells;
    expect(write).toMatchObject({ state: 'failed', pattern: 'seq-write' });
    expect(write!.error).toMatch(/died|stopped answering|signal|killed/i);
    expect(read).toMatchObject({ state: 'done', pattern: 'seq-read' });
    expect(read!.vmId).not.toBe(write!.vmId);
    expect(read!.bytesPerSec!).toBeGreaterThan(0);
    expect((await api<Vm[]>('GET', '/vms')).body.filter((v) => v.name.startsWith('bench-'))).toEqual([]);
    expect(existsSync(`${server.config.shareRoots[0]}/strata-bench-${run.id}`)).toBe(false);
  });

  /** Starts a run and waits until its first cell runs in a booted throwaway VM. */
  async function startAndWaitForACell(body: object): Promise<{ run: BenchmarkRun; vm: Vm }> {
    const started = await api<BenchmarkStarted>('POST', '/benchmarks', body);
    expect(started.status).toBe(202);
    const deadline = Date.now() + 180_000;
    for (;;) {
      const run = (await api<BenchmarkRun>('GET', `/benchmarks/${started.body.run.id}`)).body;
      const cell = run.cells.find((c) => c.state === 'running');
      if (cell?.vmId) return { run, vm: (await api<Vm>('GET', `/vms/${cell.vmId}`)).body };
      if (run.state !== 'running' || Date.now() > deadline) throw new Error(`no cell ran: ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const benchLeftovers = async (runId: string) => ({
    vms: (await api<Vm[]>('GET', '/vms')).body.filter((v) => v.name.startsWith('bench-')).map((v) => v.name),
    shares: (await api<{ name: string }[]>('GET', '/shares')).body.filter((s) => s.name.startsWith('bench-')).map((s) => s.name),
    dir: existsSync(`${server.config.shareRoots[0]}/strata-bench-${runId}`),
  });

  it('cancel stops the run, skips what is left and removes its VMs, shares and files', { timeout: 240_000 }, async () => {
    const { run } = await startAndWaitForACell({ targets: ['9p'], patterns: ['seq-write', 'seq-read'], blockSizes: [65536], sizeMiB: 64 });
    const cancelled = await api<{ state: string }>('POST', `/benchmarks/${run.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const ended = await runToEnd(run.id);
    expect(ended.state).toBe('cancelled');
    expect(ended.cells.filter((c) => c.state === 'skipped').length).toBeGreaterThan(0);
    expect(ended.cells.some((c) => c.state === 'pending' || c.state === 'running')).toBe(false);
    expect(await benchLeftovers(run.id)).toEqual({ vms: [], shares: [], dir: false });
    const job = (await api<{ state: string; result?: string }>('GET', `/jobs/${run.jobId}`)).body;
    expect(job).toMatchObject({ state: 'cancelled' });
    expect(job.result).toMatch(new RegExp(`^cancelled; removed VM bench-${run.id}-9p-1, share bench-${run.id}-9p-1-`));
  });

  it('a restart mid-run ends the run failed and removes what it made', { timeout: 240_000 }, async () => {
    const { run, vm } = await startAndWaitForACell({ targets: ['9p'], patterns: ['seq-write'], blockSizes: [65536], sizeMiB: 64 });
    expect(vm.pid).toBeGreaterThan(0);
    // An operator's VM that merely has a name like the run's: the recovery goes by the ids the run wrote down.
    const theirs = await api<Vm>('POST', '/vms', { name: `bench-${run.id}-9p-7`, memoryMiB: 128 });
    expect(theirs.status).toBe(201);
    await server.restart();
    const after = (await api<BenchmarkRun>('GET', `/benchmarks/${run.id}`)).body;
    expect(after).toMatchObject({ state: 'failed', error: 'interrupted by a restart' });
    expect(after.cells.every((c) => c.state === 'done' || c.state === 'skipped' || c.error === 'interrupted by a restart')).toBe(true);
    const job = (await api<{ state: string; error?: string }>('GET', `/jobs/${run.jobId}`)).body;
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(new RegExp(`interrupted by a restart; removed VM bench-${run.id}-9p-1, share bench-${run.id}-9p-1-`));
    expect(await benchLeftovers(run.id)).toEqual({ vms: [`bench-${run.id}-9p-7`], shares: [], dir: false });
    expect((await api('DELETE', `/vms/${theirs.body.id}`)).status).toBeLessThan(300);
    expect(() => process.kill(vm.pid!, 0)).toThrow();
  });
});
