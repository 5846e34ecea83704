import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Image, MetricsTrends, Share, ShareMetrics, Vm } from '@strata/contract';
import { serverPerFile } from './server-per-file.js';
import type { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let viewer: ConsoleClient | undefined;
const MiB = 1048576;
const GiB = 1024 * MiB;

describe("a share's throughput history, summed over its VMs and kept after a detach", () => {
  let share: Share;
  let vm: Vm;

  it('creates a VM whose disk is grown past its image, and refuses to grow a UML disk', async () => {
    const root = server().config.shareRoots[0]!;
    mkdirSync(`${root}/hist`);
    share = (await api<Share>('POST', '/shares', { name: 'hist', path: `${root}/hist` })).body;
    const created = await api<Vm>('POST', '/vms', { name: 'sharer', memoryMiB: 256, diskSizeGiB: 2 });
    expect(created.status).toBe(201);
    vm = created.body;
    const top = (await api<Image[]>('GET', '/images')).body.find((i) => i.id === vm.disks[0]!.imageId)!;
    expect(top.virtualSize).toBe(2 * GiB);
    const uml = await api<{ field: string; message: string }>('POST', '/vms', { name: 'uml-grow', hypervisor: 'uml', diskSizeGiB: 2 });
    expect(uml.status).toBe(400);
    expect(uml.body.field).toBe('body.diskSizeGiB');
  });

  it('records what a VM writes to the share under the share, and the guest sees the grown disk', async () => {
    const attach = await api<Vm>('POST', `/vms/${vm.id}/shares`, { shareId: share.id, transport: 'virtiofs', tag: 'hist' });
    expect(attach.status).toBe(200);
    viewer = closeAtEnd(await startAndOpen(server(), api, vm.id));
    const sectors = await viewer.run('cat /sys/block/vda/size');
    expect(sectors).toMatch(new RegExp(`\\b${(2 * GiB) / 512}\\b`));
    const started = Date.now();
    await viewer.run('dd if=/dev/zero of=/mnt/hist/big bs=1M count=64 conv=fsync 2>/dev/null; rm /mnt/hist/big; echo done', 120_000);
    // The sampler turns the last second of the write into a rate one round later.
    await expect
      .poll(
        async () => {
          const res = await api<ShareMetrics>('GET', `/shares/${share.id}/metrics?range=15m`);
          return res.body.write.filter(([ts]) => ts >= started - 1000).reduce((sum, [, v]) => sum + v, 0);
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBeGreaterThan(64 * MiB * 0.3);
  });

  it("serves each VM's recent disk and share I/O for the list's sparklines in one request", async () => {
    const res = await api<MetricsTrends>('GET', '/metrics/trends?minutes=5');
    expect(res.status).toBe(200);
    const mine = res.body.vms.find((t) => t.vmId === vm.id)!;
    expect(mine.disk.length).toBeGreaterThan(3);
    expect(Math.max(...mine.shares.map(([, v]) => v))).toBeGreaterThan(MiB);
    const bad = await api<{ field: string }>('GET', '/metrics/trends?minutes=600');
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('querystring.minutes');
  });

  it('still shows it once the VM is stopped and the share detached', async () => {
    viewer?.close();
    viewer = undefined;
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 60_000);
    expect((await api<Vm>('DELETE', `/vms/${vm.id}/shares/hist`)).status).toBe(200);
    const res = await api<ShareMetrics>('GET', `/shares/${share.id}/metrics?range=1h`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ shareId: share.id, range: '1h', resolutionMs: 1000, inexact: false });
    const peak = Math.max(...res.body.write.map(([, v]) => v));
    expect(peak).toBeGreaterThan(MiB);
    expect(res.body.read.length).toBeGreaterThan(0);
    // The VM's own history route does not serve share series under another id.
    expect((await api('GET', `/metrics/history?vm=share:${share.id}&series=write_bps&from=0`)).status).toBe(404);
  });

  it('answers a bad range with 400 naming the field, an unknown share with 404, and no credentials with 401', async () => {
    const bad = await api<{ field: string; message: string }>('GET', `/shares/${share.id}/metrics?range=2w`);
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('querystring.range');
    const missing = await api<{ field: string }>('GET', `/shares/${share.id}/metrics`);
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('querystring.range');
    expect((await api('GET', '/shares/nosuchshare/metrics?range=1h')).status).toBe(404);
    const anonymous = await server().app.inject({ method: 'GET', url: `/api/v1/shares/${share.id}/metrics?range=1h` });
    expect(anonymous.statusCode).toBe(401);
  });
});
