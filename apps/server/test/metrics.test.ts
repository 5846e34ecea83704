import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostSample, MetricsHistory, Share, Vm, VmSample } from '@strata/contract';
import { TOKEN } from './harness.js';
import { serverPerFile } from './server-per-file.js';
import type { ConsoleClient } from './console-client.js';
import { collectSse } from './events-client.js';
import { startAndOpen } from './fresh-boot.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let viewer: ConsoleClient | undefined;

/** The guest's dd run, timed by the guest's own clock (/proc/uptime), as busybox dd prints no rate here. */
const timed = (dd: string, cleanup: string) =>
  `a=$(cut -d' ' -f1 /proc/uptime); ${dd} 2>/dev/null; b=$(cut -d' ' -f1 /proc/uptime); ${cleanup}; echo "DD $a $b"`;

type Pick = (s: VmSample) => number | undefined;

/**
 * Runs dd in the guest while the stream runs. The stream's rate over the run is what its samples
 * add up to (rate × interval) divided by dd's own duration; the first sample showing the write
 * must come within 3 s of the start.
 */
async function measure(stream: { frames: { data: VmSample; event: string }[] }, vmId: string, command: string, bytes: number, pick: Pick) {
  const from = stream.frames.length;
  const t0 = Date.now();
  const out = await viewer!.run(command, 120_000);
  const t1 = Date.now();
  const m = /DD ([\d.]+) ([\d.]+)/.exec(out);
  if (!m) throw new Error(`no timing in: ${out}`);
  const seconds = Number(m[2]) - Number(m[1]);
  const expected = bytes / seconds;
  // The samples that cover dd's last second arrive after it ends: wait for one stamped 1.5 s past the end.
  await expect
    .poll(() => stream.frames.some((f) => f.event === 'vm' && f.data.vmId === vmId && f.data.ts >= t1 + 1500), { timeout: 15_000 })
    .toBe(true);
  const samples = stream.frames
    .slice(from)
    .filter((f) => f.event === 'vm' && f.data.vmId === vmId)
    .map((f) => f.data);
  // A short run can fall across two samples: showing a fifth of dd's rate is showing the write.
  const first = samples.find((s) => (pick(s) ?? 0) > expected * 0.2);
  const counted = samples
    .filter((s) => s.ts > t0 && s.ts - s.intervalMs < t1 + 1500)
    .reduce((sum, s) => sum + ((pick(s) ?? 0) * s.intervalMs) / 1000, 0);
  const result = { expected, measured: counted / seconds, firstAfterMs: first ? first.ts - t0 : Infinity };
  console.log(
    `${command.split(';')[1]?.trim()}: dd ${(expected / 1048576).toFixed(1)} MiB/s, stream ${(result.measured / 1048576).toFixed(1)} MiB/s, first sample after ${result.firstAfterMs} ms`,
  );
  return result;
}

describe('live metrics from real QEMU, streamed over SSE', () => {
  let vm: Vm;
  let stream: ReturnType<typeof collectSse<VmSample>>;

  it('refuses the stream, history and Prometheus export without credentials', async () => {
    for (const url of ['/api/v1/metrics/stream', '/api/v1/metrics/history?vm=host&series=cpu&from=0', '/metrics']) {
      const res = await server().app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
    }
  });

  it('streams disk write throughput that matches dd within 20%, within 3 seconds', async () => {
    const root = server().config.shareRoots[0]!;
    mkdirSync(`${root}/vfs`);
    mkdirSync(`${root}/nine`);
    const vfs = (await api<Share>('POST', '/shares', { name: 'vfs', path: `${root}/vfs` })).body;
    const nine = (await api<Share>('POST', '/shares', { name: 'nine', path: `${root}/nine` })).body;
    vm = (await api<Vm>('POST', '/vms', { name: 'metered', memoryMiB: 256 })).body;
    await api('POST', `/vms/${vm.id}/shares`, { shareId: vfs.id, transport: 'virtiofs', tag: 'vfs' });
    await api('POST', `/vms/${vm.id}/shares`, { shareId: nine.id, transport: '9p', tag: 'nine' });
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id));
    stream = collectSse<VmSample>(`${server().url}/api/v1/metrics/stream?vm=${vm.id}&host=false`);
    await stream.ready;
    const r = await measure(
      stream,
      vm.id,
      timed('dd if=/dev/zero of=/root/big bs=1M count=500 oflag=direct', 'rm /root/big'),
      500 * 1048576,
      (s) => s.disks.find((d) => d.id === 'disk0')?.writeBps,
    );
    expect(r.firstAfterMs).toBeLessThanOrEqual(3000);
    expect(Math.abs(r.measured - r.expected) / r.expected, JSON.stringify(r)).toBeLessThan(0.2);
    const sample = stream.frames.at(-1)!.data;
    expect(sample.cpu.map((c) => c.index)).toEqual([0]);
    expect(sample.rssBytes).toBeGreaterThan(64 * 1048576);
  });

  it('measures a virtiofs share exactly, from its own virtiofsd', async () => {
    const r = await measure(
      stream,
      vm.id,
      timed('dd if=/dev/zero of=/mnt/vfs/big bs=1M count=300 conv=fsync', 'rm /mnt/vfs/big'),
      300 * 1048576,
      (s) => s.shares.find((x) => x.tag === 'vfs')?.writeBps,
    );
    expect(r.firstAfterMs).toBeLessThanOrEqual(3000);
    expect(Math.abs(r.measured - r.expected) / r.expected, JSON.stringify(r)).toBeLessThan(0.2);
    expect(stream.frames.at(-1)!.data.shares.find((x) => x.tag === 'vfs')).toMatchObject({
      exact: true,
      method: expect.stringMatching(/virtiofsd/),
    });
  });

  it("measures the VM's one 9p share through QEMU's worker threads", async () => {
    const r = await measure(
      stream,
      vm.id,
      timed('dd if=/dev/zero of=/mnt/nine/big bs=1M count=500 conv=fsync', 'rm /mnt/nine/big'),
      500 * 1048576,
      (s) => s.shares.find((x) => x.tag === 'nine')?.writeBps,
    );
    expect(r.firstAfterMs).toBeLessThanOrEqual(3000);
    expect(Math.abs(r.measured - r.expected) / r.expected, JSON.stringify(r)).toBeLessThan(0.2);
    expect(stream.frames.at(-1)!.data.shares.find((x) => x.tag === 'nine')).toMatchObject({
      exact: true,
      method: expect.stringMatching(/worker/),
    });
  });

  it('keeps history and exports Prometheus text', async () => {
    const history = await api<MetricsHistory>(
      'GET',
      `/metrics/history?vm=${vm.id}&series=disk.disk0.write_bps&from=${Date.now() - 600_000}`,
    );
    expect(history.status).toBe(200);
    expect(history.body.resolutionMs).toBe(1000);
    expect(Math.max(...history.body.points.map((p) => p[1]))).toBeGreaterThan(10 * 1048576);
    const prom = await server().app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(prom.statusCode).toBe(200);
    expect(prom.headers['content-type']).toMatch(/text\/plain; version=0.0.4/);
    expect(prom.body).toMatch(new RegExp(`strata_disk_write_bytes_per_second\\{vm="metered",vm_id="${vm.id}",disk="disk0"\\} [\\d.e+]+`));
    expect(prom.body).toMatch(
      /strata_share_write_bytes_per_second\{vm="metered",vm_id="\w+",share="vfs",transport="virtiofs",exact="true"\}/,
    );
    expect(prom.body).toMatch(/strata_host_cpu_percent [\d.]+/);
  });

  it('resumes from Last-Event-ID, and sends host samples', async () => {
    const mark = stream.frames.at(-3)!;
    const resumed = collectSse<VmSample | HostSample>(`${server().url}/api/v1/metrics/stream?vm=${vm.id}`, {
      'last-event-id': String(mark.id),
    });
    await expect.poll(() => resumed.frames.filter((f) => f.event === 'host').length, { timeout: 5000 }).toBeGreaterThan(0);
    // The replay starts right after the mark: the next VM sample the first stream saw comes first.
    expect(resumed.frames.find((f) => f.event === 'vm')!.id).toBe(stream.frames.find((f) => f.id! > mark.id!)!.id);
    resumed.close();
  });

  it('shows no negative rate and no spike across a VM restart', async () => {
    const from = stream.frames.length;
    viewer!.close();
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 30_000);
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id));
    // Three seconds of the booted guest's samples, waited for rather than slept for.
    const booted = Date.now();
    await expect.poll(() => stream.frames.slice(from).some((f) => f.data.ts >= booted + 3000), { timeout: 30_000 }).toBe(true);
    const after = stream.frames.slice(from).map((f) => f.data);
    expect(after.length).toBeGreaterThan(2);
    // The loops below check each sample's disks: samples without any would check nothing.
    expect(after.some((s) => s.disks.length > 0)).toBe(true);
    for (const s of after) {
      for (const d of s.disks) for (const v of [d.readBps, d.writeBps, d.readIops, d.writeIops]) expect(v).toBeGreaterThanOrEqual(0);
      // The old run's counters (hundreds of MB written) must never show as one second's rate.
      for (const d of s.disks) expect(d.writeBps).toBeLessThan(300 * 1048576);
      for (const x of s.shares) expect(x.writeBps).toBeLessThan(300 * 1048576);
      for (const c of s.cpu) expect(c.percent).toBeLessThanOrEqual(100);
    }
    stream.close();
  });
});
