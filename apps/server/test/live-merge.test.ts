import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Image, Job, Vm } from '@strata/contract';
import { promptPattern } from './api-client.js';
import { serverPerFile } from './server-per-file.js';
import { ConsoleClient } from './console-client.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let vm: Vm;
let viewer: ConsoleClient;

const images = async () => (await api<Image[]>('GET', '/images')).body;
const current = async () => (vm = (await api<Vm>('GET', `/vms/${vm.id}`)).body);
const topOf = async () => {
  const id = (await current()).disks[0]!.imageId;
  return (await images()).find((i) => i.id === id)!;
};
const backingOf = (path: string) =>
  JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', path]).toString())['backing-filename'];

async function mergeLive(imageId: string, mode: string): Promise<Job> {
  const res = await api<Job>('POST', `/images/${imageId}/merge`, { mode });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.title).toMatch(/^live /);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const job = (await api<Job>('GET', `/jobs/${res.body.id}`)).body;
    if (job.state !== 'running') return job;
    if (Date.now() > deadline) throw new Error(`job still running: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('live merges inside QEMU: the guest keeps running and keeps its data', () => {
  it('commits the active layer into its snapshot with the READY → job-complete pivot', async () => {
    vm = (await api<Vm>('POST', '/vms', { name: 'live' })).body;
    await api('POST', `/vms/${vm.id}/start`);
    viewer = closeAtEnd(await ConsoleClient.open(server().url, vm.id));
    await viewer.waitFor(promptPattern, 90_000);
    await viewer.run('echo one > /root/one; sync');
    await api('POST', `/vms/${vm.id}/disks/disk0/snapshots`, { name: 'before-two' });
    await viewer.run('echo two > /root/two; sync');
    const top = await topOf();
    const snapshot = (await images()).find((i) => i.id === top.parentId)!;
    const job = await mergeLive(top.id, 'commit');
    expect(job.state, job.error).toBe('succeeded');
    expect((await current()).state).toBe('running');
    expect((await topOf()).id).toBe(snapshot.id);
    expect(existsSync(top.path)).toBe(false);
    await viewer.run('echo three > /root/three; sync');
    expect((await viewer.run('cat /root/one /root/two /root/three')).trim().split(/\r?\n/)).toEqual(['one', 'two', 'three']);
  });

  it('streams the base into the active layer, which then has no backing file', async () => {
    const top = await topOf();
    expect(top.parentId).not.toBeNull();
    const job = await mergeLive(top.id, 'stream');
    expect(job.state, job.error).toBe('succeeded');
    expect(backingOf(top.path)).toBeUndefined();
    expect((await topOf()).parentId).toBeNull();
    expect((await viewer.run('cat /root/two')).trim()).toBe('two');
  });

  it('mirrors the chain into a new base and continues on a fresh overlay; all survives a reboot', async () => {
    const old = await topOf();
    const job = await mergeLive(old.id, 'new-base');
    expect(job.state, job.error).toBe('succeeded');
    const fresh = await topOf();
    const base = (await images()).find((i) => i.id === fresh.parentId)!;
    expect(base).toMatchObject({ protected: true, parentId: null });
    expect(backingOf(fresh.path)).toBe(base.path);
    await viewer.run('echo four > /root/four; sync');
    viewer.close();
    await api('POST', `/vms/${vm.id}/shutdown`);
    await waitForState(vm.id, 'stopped', 30_000);
    expect(execFileSync('qemu-img', ['check', fresh.path]).toString()).toMatch(/No errors/);
    const log = `${server().dataDir}/vms/${vm.id}/console.log`;
    const before = readFileSync(log, 'utf8').length;
    await api('POST', `/vms/${vm.id}/start`);
    viewer = closeAtEnd(await ConsoleClient.open(server().url, vm.id));
    await expect.poll(() => readFileSync(log, 'utf8').slice(before), { timeout: 90_000 }).toMatch(promptPattern);
    expect((await viewer.run('cat /root/one /root/two /root/three /root/four')).trim().split(/\r?\n/)).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
  });
});
