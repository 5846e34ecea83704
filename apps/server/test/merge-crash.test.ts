import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, Job, Vm } from '@strata/contract';
import { releaseShareRoots } from '@strata/host';
import { killAll } from '../../../e2e/processes.mjs';
import { promptPattern } from './api-client.js';
import { ConsoleClient } from './console-client.js';
import { ServerProcess } from './server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'strata-crash-'));
let server: ServerProcess;
let vm: Vm;
beforeAll(async () => {
  server = await ServerProcess.start(dataDir);
});
afterAll(async () => {
  server?.kill9();
  killAll(`${dataDir}/`);
  // A killed server cannot take back its nosuid,nodev bind of the share root.
  await releaseShareRoots([join(dataDir, 'shares')], { everyBind: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const state = async () => (await server.api<Vm>('GET', `/vms/${vm.id}`)).body;
async function waitState(want: Vm['state']) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if ((await state()).state === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`VM not ${want}`);
}

/** Starts the VM and opens its console once this boot (not an old one in the scrollback) has a prompt. */
async function boot(): Promise<ConsoleClient> {
  const log = join(dataDir, 'vms', vm.id, 'console.log');
  const before = readFileSync(log, 'utf8').length;
  const started = await server.api('POST', `/vms/${vm.id}/start`);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  await expect.poll(() => readFileSync(log, 'utf8').slice(before), { timeout: 90_000 }).toMatch(promptPattern);
  return ConsoleClient.open(server.url, vm.id);
}

async function console(): Promise<ConsoleClient> {
  const viewer = await ConsoleClient.open(server.url, vm.id);
  await viewer.waitFor(promptPattern, 90_000);
  return viewer;
}

/** Starts a merge and kills the server with SIGKILL as soon as it is accepted, or once the job reports progress. */
async function mergeAndKill(imageId: string, when: 'accepted' | 'progress' = 'progress'): Promise<string> {
  const started = await server.api<Job>('POST', `/images/${imageId}/merge`, { mode: 'commit' });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  if (when === 'progress') {
    // Fails rather than quietly killing at the deadline: that would be the 'accepted' case again.
    await expect
      .poll(
        async () => {
          const job = (await server.api<Job>('GET', `/jobs/${started.body.id}`)).body;
          return job.progress > 0 || job.state !== 'running';
        },
        { timeout: 30_000, interval: 20 },
      )
      .toBe(true);
  }
  server.kill9();
  await new Promise((r) => server.child!.once('exit', r));
  await server.launch();
  return started.body.id;
}

const chainOf = async () => {
  const images = (await server.api<Image[]>('GET', '/images')).body;
  const chain: Image[] = [];
  for (let id: string | null = (await state()).disks[0]!.imageId; id;) {
    const layer = images.find((i) => i.id === id)!;
    chain.push(layer);
    id = layer.parentId;
  }
  return chain;
};

describe('kill -9 of the server in the middle of merges', () => {
  let sum = '';

  it('prepares a VM whose top layer holds 64 MiB written after a snapshot', async () => {
    vm = (await server.api<Vm>('POST', '/vms', { name: 'crashy' })).body;
    await server.api('POST', `/vms/${vm.id}/start`);
    const viewer = await console();
    await server.api('POST', `/vms/${vm.id}/disks/disk0/snapshots`, { name: 'empty' });
    sum = (await viewer.run('dd if=/dev/urandom of=/root/big bs=1M count=64 2>/dev/null; sync; md5sum /root/big', 120_000))
      .trim()
      .split(/\s+/)[0]!;
    expect(sum).toMatch(/^[0-9a-f]{32}$/);
    viewer.close();
  });

  it('a live merge: the guest keeps its data, and the job is finished or undone after the restart', async () => {
    const jobId = await mergeAndKill((await state()).disks[0]!.imageId);
    const job = (await server.api<Job>('GET', `/jobs/${jobId}`)).body;
    expect(job.state).not.toBe('running');
    expect(job.result).toMatch(/rolled back|completed after a restart|^finished/);
    expect((await state()).state).toBe('running');
    const viewer = await console();
    expect((await viewer.run('md5sum /root/big')).trim().split(/\s+/)[0]).toBe(sum);
    viewer.close();
    await server.api('POST', `/vms/${vm.id}/shutdown`);
    await waitState('stopped');
  });

  /** A new snapshot, 64 MiB written on top of it by the guest, and the VM stopped: an offline commit to do. */
  async function writeOnNewSnapshot(name: string) {
    expect((await server.api('POST', `/vms/${vm.id}/disks/disk0/snapshots`, { name })).status).toBe(200);
    const viewer = await boot();
    await viewer.run('dd if=/dev/urandom of=/root/big bs=1M count=64 2>/dev/null; sync', 60_000);
    sum = (await viewer.run('md5sum /root/big')).trim().split(/\s+/)[0]!;
    viewer.close();
    await server.api('POST', `/vms/${vm.id}/shutdown`);
    await waitState('stopped');
  }

  for (const when of ['accepted', 'progress'] as const) {
    it(`an offline in-place commit, server killed ${when === 'accepted' ? 'as soon as it is accepted' : 'once it reports progress'}: the chain boots with the same content and qemu-img check is clean`, async () => {
      if ((await state()).state !== 'stopped') {
        await server.api('POST', `/vms/${vm.id}/shutdown`);
        await waitState('stopped');
      }
      await writeOnNewSnapshot(`before-${when}`);
      const jobId = await mergeAndKill((await state()).disks[0]!.imageId, when);
      const job = (await server.api<Job>('GET', `/jobs/${jobId}`)).body;
      expect(job.state).not.toBe('running');
      expect(job.result ?? job.error).toMatch(
        /rolled back: the server stopped before|completed after a restart|run again after a restart|^finished/,
      );
      expect(readdirSync(join(dataDir, 'images')).filter((f) => f.includes('.tmp'))).toEqual([]);
      const qcow2Layers = (await chainOf()).filter((layer) => layer.format === 'qcow2');
      expect(qcow2Layers.length).toBeGreaterThan(0);
      for (const layer of qcow2Layers)
        expect(execFileSync('qemu-img', ['check', '-f', 'qcow2', layer.path]).toString(), layer.name).toMatch(/No errors/);
      const viewer = await boot();
      expect((await viewer.run('md5sum /root/big')).trim().split(/\s+/)[0]).toBe(sum);
      viewer.close();
    });
  }
});
