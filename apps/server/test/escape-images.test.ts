import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, Job } from '@strata/contract';
import { startServer, type TestServer } from './harness.js';
import { apiClient } from './api-client.js';
import {
  armAtime,
  filesHolding,
  plainImage,
  plantCanary,
  qcow2Backed,
  qcow2DataFile,
  vmdkDescriptor,
  type Canary,
} from './hostile-images.js';

let server: TestServer;
let outside: string;
let canary: Canary;
let planted: ReturnType<Canary['state']>;
const { api } = apiClient(() => server);
const importDir = () => server.config.importDir;
const at = (name: string) => join(importDir(), name);

beforeAll(async () => {
  server = await startServer();
  outside = mkdtempSync(join(tmpdir(), 'strata-canary-'));
  canary = plantCanary(outside);
});
afterAll(async () => {
  await server.close();
  rmSync(outside, { recursive: true, force: true });
});

/** qemu-img compare exits 0 for identical contents, 1 for a difference, 2 for an error: only 0 is the same. */
const compare = (a: string, fa: string, b: string, fb: string) =>
  spawnSync('qemu-img', ['compare', '-q', '-f', fa, '-F', fb, a, b], { stdio: 'pipe' }).status === 0;

async function settle(res: { status: number; body: Job }): Promise<Job> {
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const job = (await api<Job>('GET', `/jobs/${res.body.id}`)).body;
    if (job.state !== 'running' && job.state !== 'queued') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${res.body.id} did not finish`);
}

const importAs = (path: string, name: string) => api<Job>('POST', '/images/import', { path, name });
const byName = async (name: string) => (await api<Image[]>('GET', '/images')).body.find((i) => i.name === name);

/** Refused, before a job or inside one; either way no image of that name exists. Soft: every case reports. */
async function refused(path: string, reason: RegExp): Promise<void> {
  const name = `hostile-${path.replace(/\W/g, '-')}`;
  const res = await importAs(path, name);
  if (res.status === 202) {
    const job = await settle(res);
    expect.soft(job.state, `${path} was imported`).toBe('failed');
    expect.soft(job.error, path).toMatch(reason);
  } else {
    const body = res.body as unknown as { field: string; message: string };
    expect.soft(res.status, path).toBe(400);
    expect.soft(body.field, path).toBe('body.path');
    expect.soft(body.message, path).toMatch(reason);
  }
  expect.soft(await byName(name), `${path} is in the image list`).toBeUndefined();
}

describe('images cannot reach host files', () => {
  const plain: [string, string, string[]][] = [
    ['raw', 'raw', []],
    ['qcow2', 'qcow2', []],
    ['vmdk', 'vmdk', []],
    ['vmdk-stream', 'vmdk', ['-o', 'subformat=streamOptimized']],
    ['vdi', 'vdi', []],
    ['vpc', 'vpc', []],
    ['vpc-fixed', 'vpc', ['-o', 'subformat=fixed']],
    ['vhdx', 'vhdx', []],
  ];
  it.each(plain)('imports a plain %s image in its own format, with the same content', async (label, format, options) => {
    plainImage(at(`plain.${label}`), format, options);
    const job = await settle(await importAs(`plain.${label}`, `plain-${label}`));
    expect(job.state, job.error).toBe('succeeded');
    const image = (await byName(`plain-${label}`))!;
    expect(image.format).toBe(format);
    expect(compare(at(`plain.${label}`), format, image.path, format)).toBe(true);
  });

  it('refuses every file that refers to another file, and the canary is never read', async () => {
    vmdkDescriptor(at('flat.vmdk'), canary.path);
    vmdkDescriptor(at('device.vmdk'), '/dev/vda');
    qcow2Backed(at('backed.qcow2'), canary.path, true);
    qcow2Backed(at('backed-probe.qcow2'), canary.path, false);
    qcow2Backed(at('json.qcow2'), `json:{"driver":"raw","file":{"driver":"file","filename":"${canary.path}"}}`, true);
    qcow2DataFile(at('datafile.qcow2'), canary);
    linkSync(canary.path, at('hardlink.img'));
    symlinkSync(canary.path, at('symlink.img'));
    mkdirSync(at('real'));
    symlinkSync(outside, at('real/dir'));
    execFileSync('mkfifo', [at('fifo.img')]);
    planted = canary.state();
    armAtime(canary);
    const armed = canary.state();

    await refused('flat.vmdk', /VMDK descriptor/);
    await refused('device.vmdk', /VMDK descriptor/);
    await refused('backed.qcow2', /backing file/);
    await refused('backed-probe.qcow2', /backing file/);
    await refused('json.qcow2', /json:/);
    await refused('datafile.qcow2', /external file/);
    await refused('hardlink.img', /hard links/);
    await refused('symlink.img', /symbolic link/);
    await refused('real/dir/canary', /symbolic link/);
    await refused('fifo.img', /not a regular file/);

    expect(canary.state()).toEqual(armed);
    expect(filesHolding(server.dataDir, canary, importDir())).toEqual([]);
  });

  it('a VMDK descriptor without its comment line is only text: imported as raw bytes, never followed', async () => {
    vmdkDescriptor(at('bare.vmdk'), canary.path, false);
    const job = await settle(await importAs('bare.vmdk', 'bare'));
    expect(job.state, job.error).toBe('succeeded');
    const image = (await byName('bare'))!;
    expect(image.format).toBe('raw');
    expect(compare(at('bare.vmdk'), 'raw', image.path, 'raw')).toBe(true);
    expect(filesHolding(server.dataDir, canary, importDir())).toEqual([]);
  });

  it('imports the file it opened, even when the name is swapped for a symlink right after the request', async () => {
    plainImage(at('swap.raw'), 'raw');
    const original = readFileSync(at('swap.raw'));
    symlinkSync(canary.path, at('swap.link'));
    const res = await importAs('swap.raw', 'swapped');
    renameSync(at('swap.link'), at('swap.raw'));
    const job = await settle(res);
    expect(job.state, job.error).toBe('succeeded');
    // Buffer.equals: a deep toEqual of megabytes takes vitest half a minute.
    expect(readFileSync((await byName('swapped'))!.path).equals(original)).toBe(true);
    expect(filesHolding(server.dataDir, canary, importDir())).toEqual([]);
  });

  it('a raw image that a guest made look like qcow2 stays raw in convert, compare, check and resize', async () => {
    plainImage(at('victim.raw'), 'raw');
    expect((await settle(await importAs('victim.raw', 'victim'))).state).toBe('succeeded');
    const victim = (await byName('victim'))!;
    // What a guest can do through its raw disk: write a qcow2 header whose backing file is the canary.
    qcow2Backed(join(outside, 'header.qcow2'), canary.path, false);
    const fd = openSync(victim.path, 'r+');
    writeSync(fd, readFileSync(join(outside, 'header.qcow2')), 0, undefined, 0);
    closeSync(fd);
    const before = readFileSync(victim.path);
    armAtime(canary);
    const armed = canary.state();

    for (const format of ['qcow2', 'raw', 'vmdk']) {
      const job = await settle(await api<Job>('POST', `/images/${victim.id}/convert`, { format, name: `victim-${format}` }));
      expect(job.state, job.error).toBe('succeeded');
      const converted = (await byName(`victim-${format}`))!;
      expect(compare(victim.path, 'raw', converted.path, format)).toBe(true);
      expect(converted.virtualSize).toBe(victim.virtualSize);
    }
    expect(readFileSync((await byName('victim-raw'))!.path).equals(before)).toBe(true);
    const report = await api<{ ok: boolean }>('POST', `/images/${(await byName('victim-qcow2'))!.id}/check`);
    expect(report.body.ok).toBe(true);
    const grown = await api<Image>('POST', `/images/${victim.id}/resize`, { sizeBytes: 8 * 1048576 });
    expect(grown.status, JSON.stringify(grown.body)).toBe(200);
    expect(grown.body.virtualSize).toBe(8 * 1048576);

    expect(canary.state()).toEqual(armed);
    expect(filesHolding(server.dataDir, canary, importDir())).toEqual([]);
  });

  it('leaves the canary as it was planted: content, mode and owner', () => {
    const { atimeMs: _a, ...now } = canary.state();
    const { atimeMs: _b, ...then } = planted;
    expect(now).toEqual(then);
    expect(now.mode).toBe(0o600);
  });
});
