import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckReport, Image, Job } from '@strata/contract';
import { serverPerFile } from './server-per-file.js';

const { server, api } = serverPerFile();

const info = (path: string) => JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path]).toString());
/** qemu-img compare exits 0 for identical contents, 1 for a difference, 2 for an error: only 0 is the same. */
const same = (a: string, b: string) => spawnSync('qemu-img', ['compare', '-q', a, b]).status === 0;
const byName = async (name: string) => (await api<Image[]>('GET', '/images')).body.find((i) => i.name === name)!;

async function finished(res: { status: number; body: Job }): Promise<Job> {
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const job = (await api<Job>('GET', `/jobs/${res.body.id}`)).body;
    if (job.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job did not finish');
}

describe('image operations with real qemu-img', () => {
  let source: string;

  it("creates blank images with qcow2's options: cluster size, lazy refcounts, compat, preallocation", async () => {
    const res = await api<Image>('POST', '/images', {
      name: 'blank',
      format: 'qcow2',
      sizeBytes: 64 * 1048576,
      clusterSize: 131072,
      lazyRefcounts: true,
      compat: '1.1',
    });
    expect(res.status).toBe(201);
    const meta = info(res.body.path);
    expect(meta).toMatchObject({ format: 'qcow2', 'virtual-size': 64 * 1048576, 'cluster-size': 131072 });
    expect(meta['format-specific'].data['lazy-refcounts']).toBe(true);
    expect(res.body.allocatedSize).toBeLessThan(1048576);
    const raw = await api<Image>('POST', '/images', { name: 'blank-raw', format: 'raw', sizeBytes: 8 * 1048576, preallocation: 'full' });
    expect(raw.body.allocatedSize).toBeGreaterThanOrEqual(8 * 1048576);
    expect(
      (await api<{ field: string }>('POST', '/images', { name: 'x', format: 'qcow2', sizeBytes: 1048576, clusterSize: 3000 })).body.field,
    ).toBe('body.clusterSize');
    expect(
      (await api<{ field: string }>('POST', '/images', { name: 'x', format: 'raw', sizeBytes: 1048576, compat: '1.1' })).body.field,
    ).toBe('body.format');
    expect((await api<{ field: string }>('POST', '/images', { name: 'x', format: 'qcow2', sizeBytes: 10 })).body.field).toBe(
      'body.sizeBytes',
    );
  });

  it('imports only from the import directory, refusing every way out', async () => {
    source = `${server().config.importDir}/disk.qcow2`;
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', source, '32M']);
    execFileSync('qemu-io', ['-c', 'write -P 0x5a 1M 2M', source]);
    const job = await finished(await api<Job>('POST', '/images/import', { path: 'disk.qcow2', name: 'imported' }));
    expect(job.state, job.error).toBe('succeeded');
    const imported = await byName('imported');
    expect(imported.format).toBe('qcow2');
    expect(same(source, imported.path)).toBe(true);

    mkdirSync(`${server().config.importDir}/sub`);
    symlinkSync('/etc', `${server().config.importDir}/sub/etc`);
    writeFileSync(`${server().dataDir}/outside.img`, 'x');
    const refusals: [string, RegExp][] = [
      ['../outside.img', /'\.\.' is not allowed/],
      ['/etc/passwd', /relative to the import directory/],
      ['sub/etc/passwd', /symbolic links are not followed/],
      ['nul\u0000.img', /NUL/],
      ['missing.img', /no file/],
      ['sub', /not a regular file/],
    ];
    for (const [path, message] of refusals) {
      const res = await api<{ field: string; message: string }>('POST', '/images/import', { path, name: 'nope' });
      expect(res.status, path).toBe(400);
      expect(res.body.field).toBe('body.path');
      expect(res.body.message).toMatch(message);
    }
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', source, `${server().config.importDir}/overlay.qcow2`]);
    const overlay = await finished(await api<Job>('POST', '/images/import', { path: 'overlay.qcow2', name: 'nope' }));
    expect(overlay.state).toBe('failed');
    expect(overlay.error).toMatch(/has a backing file/);
  });

  it.each(['raw', 'vdi', 'vmdk', 'vpc', 'vhdx', 'qcow2'])('converts to %s, verified against the source', async (format) => {
    const imported = await byName('imported');
    const job = await finished(await api<Job>('POST', `/images/${imported.id}/convert`, { format, name: `as-${format}` }));
    expect(job.state, job.error).toBe('succeeded');
    const converted = await byName(`as-${format}`);
    expect(info(converted.path).format).toBe(format);
    expect(same(imported.path, converted.path)).toBe(true);
  });

  it('grows images and refuses to shrink them', async () => {
    const image = await byName('as-qcow2');
    const grown = await api<Image>('POST', `/images/${image.id}/resize`, { sizeBytes: 64 * 1048576 });
    expect(grown.body.virtualSize).toBe(64 * 1048576);
    expect(info(image.path)['virtual-size']).toBe(64 * 1048576);
    const shrink = await api<{ field: string; message: string }>('POST', `/images/${image.id}/resize`, { sizeBytes: 16 * 1048576 });
    expect(shrink.status).toBe(400);
    expect(shrink.body.message).toMatch(/shrinking is refused/);
    const base = await byName('strata-mini');
    await api('POST', '/vms', { name: 'holder' });
    expect((await api('POST', `/images/${base.id}/resize`, { sizeBytes: 2 * 1024 ** 3 })).status).toBe(409);
  });

  it('checks qcow2 images and says why raw ones cannot be', async () => {
    const report = (await api<CheckReport>('POST', `/images/${(await byName('as-qcow2')).id}/check`)).body;
    expect(report).toMatchObject({ ok: true, errors: 0 });
    expect((await api<{ message: string }>('POST', `/images/${(await byName('as-raw')).id}/check`)).body.message).toMatch(
      /raw image has no metadata/,
    );
  });

  it('rebases safely: the layer now stands on the new parent and shows the guest the same bytes', async () => {
    const layer = await byName('as-qcow2');
    const parent = await byName('imported');
    const before = `${server().dataDir}/before-rebase.qcow2`;
    execFileSync('cp', [layer.path, before]);
    const job = await finished(await api<Job>('POST', `/images/${layer.id}/rebase`, { parentId: parent.id }));
    expect(job.state, job.error).toBe('succeeded');
    expect(info(layer.path)['backing-filename']).toBe(parent.path);
    expect(same(before, layer.path)).toBe(true);
    const after = (await api<Image[]>('GET', '/images')).body;
    expect(after.find((i) => i.id === layer.id)).toMatchObject({ parentId: parent.id, valid: true });
    expect(after.find((i) => i.id === parent.id)?.protected).toBe(true);
    expect((await api<{ field: string }>('POST', `/images/${parent.id}/rebase`, { parentId: layer.id })).body.field).toBe('body.parentId');
  });

  it('deletes only what nothing depends on', async () => {
    const parent = await byName('imported');
    const refused = await api<{ message: string }>('DELETE', `/images/${parent.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/as-qcow2 stands on imported/);
    const base = await byName('strata-mini');
    expect((await api<{ code: string }>('DELETE', `/images/${base.id}`)).status).toBe(409);
    const loose = await byName('as-vdi');
    expect((await api('DELETE', `/images/${loose.id}`)).status).toBe(204);
    expect(existsSync(loose.path)).toBe(false);
    expect((await api('DELETE', `/images/${loose.id}`)).status).toBe(404);
  });
});
