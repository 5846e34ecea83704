import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, Job } from '@strata/contract';
import { auth, startServer, type TestServer } from './harness.js';
import { bearer, makeUser, tokenFor } from './users-client.js';

/** Uploads through the real server: streamed to disk, size-limited, judged like an import by real qemu-img. */
const MAX = 4 * 1024 * 1024;
let server: TestServer;
let work: string;
let viewer: Record<string, string>;

const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'pipe' });
const upload = (query: string, payload: Buffer | Readable, headers: Record<string, string> = auth) =>
  server.app.inject({
    method: 'POST',
    url: `/api/v1/images/upload?${query}`,
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    payload,
  });
const incoming = () => {
  try {
    return readdirSync(join(server.dataDir, 'images', 'incoming'));
  } catch {
    return [];
  }
};
const images = async () => (await server.app.inject({ method: 'GET', url: '/api/v1/images', headers: auth })).json<Image[]>();
const waitJob = async (id: string): Promise<Job> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = (await server.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: auth })).json<Job>();
    if (job.state !== 'running' && job.state !== 'queued') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

beforeAll(async () => {
  server = await startServer({ uploadMaxBytes: MAX });
  work = mkdtempSync(join(tmpdir(), 'strata-upload-'));
  const vera = await makeUser(server, 'vera', 'viewer');
  viewer = bearer((await tokenFor(server, vera.id)).token);
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('image upload', () => {
  it('takes a small qcow2, registers it by an import job and keeps no upload file', async () => {
    qemuImg('create', '-q', '-f', 'qcow2', join(work, 'small.qcow2'), '32M');
    const res = await upload('name=uploaded&format=qcow2', readFileSync(join(work, 'small.qcow2')));
    expect(res.statusCode, res.body).toBe(202);
    const job = await waitJob(res.json<Job>().id);
    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    const listed = (await images()).find((i) => i.name === 'uploaded');
    expect(listed).toMatchObject({ format: 'qcow2', virtualSize: 32 * 1024 * 1024 });
    expect(incoming()).toEqual([]);
  });

  it('removes at the next start the upload files an earlier version left, and nothing else', async () => {
    const dir = join(server.dataDir, 'images', 'incoming');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'upload-0123456789abcdef'), 'half an image');
    writeFileSync(join(dir, 'not-an-upload'), 'kept');
    mkdirSync(join(dir, 'upload-fedcba9876543210'));
    await server.restart();
    expect(incoming().sort()).toEqual(['not-an-upload', 'upload-fedcba9876543210']);
    rmSync(join(dir, 'not-an-upload'));
    rmSync(join(dir, 'upload-fedcba9876543210'), { recursive: true });
  });

  it('never reaches through an incoming directory replaced by a link: nothing removed there, uploads refused with the reason', async () => {
    const dir = join(server.dataDir, 'images', 'incoming');
    const victim = join(work, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'upload-00000000000000aa'), 'not Strata’s');
    rmSync(dir, { recursive: true, force: true });
    symlinkSync(victim, dir);
    try {
      await server.restart();
      expect(readdirSync(victim)).toEqual(['upload-00000000000000aa']);
      qemuImg('create', '-q', '-f', 'qcow2', join(work, 'linked.qcow2'), '1M');
      const res = await upload('name=through-link&format=qcow2', readFileSync(join(work, 'linked.qcow2')));
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json()).toMatchObject({ code: 'incoming_unsafe', message: expect.stringMatching(/incoming directory.*symbolic link/) });
      expect(readdirSync(victim)).toEqual(['upload-00000000000000aa']);
    } finally {
      rmSync(dir);
    }
  });

  it('answers 413 beyond the limit, declared or streamed, and leaves no partial file', async () => {
    const big = Buffer.alloc(MAX + 1);
    const declared = await upload('name=too-big&format=raw', big);
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toMatchObject({ code: 'upload_too_large', message: expect.stringMatching(/4194304-byte limit/) });
    // Chunked, with no length announced: the server finds out while writing.
    const chunks = Array.from({ length: 5 }, () => Buffer.alloc(1024 * 1024));
    const streamed = await upload('name=too-big&format=raw', Readable.from(chunks));
    expect(streamed.statusCode).toBe(413);
    expect(incoming()).toEqual([]);
    expect((await images()).some((i) => i.name === 'too-big')).toBe(false);
  });

  it('refuses a qcow2 that names a backing file, or one sent as raw, with the reason and nothing left', async () => {
    qemuImg('create', '-q', '-f', 'raw', join(work, 'base.raw'), '8M');
    qemuImg('create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/passwd', join(work, 'backed.qcow2'), '8M');
    const backed = await upload('name=backed&format=qcow2', readFileSync(join(work, 'backed.qcow2')));
    expect(backed.statusCode).toBe(400);
    expect(backed.json()).toMatchObject({ field: 'body', message: expect.stringMatching(/backing file \(\/etc\/passwd\)/) });

    qemuImg('create', '-q', '-f', 'qcow2', join(work, 'disguised'), '8M');
    const disguised = await upload('name=disguised&format=raw', readFileSync(join(work, 'disguised')));
    expect(disguised.statusCode).toBe(400);
    expect(disguised.json()).toMatchObject({
      field: 'query.format',
      message: 'the file is qcow2, not raw: state the format it really has',
    });

    // A header claiming 50,000 internal snapshots, and qcow version 1 (which can only name other files): refused from the bytes.
    const many = readFileSync(join(work, 'disguised'));
    many.writeUInt32BE(50_000, 60);
    const snapshots = await upload('name=many-snapshots&format=qcow2', many);
    expect(snapshots.statusCode, snapshots.body).toBe(400);
    expect(snapshots.json()).toMatchObject({
      field: 'body',
      message: expect.stringMatching(/50000 internal snapshots cannot be imported/),
    });
    const v1 = Buffer.from(many);
    v1.writeUInt32BE(1, 4);
    v1.writeUInt32BE(0, 60);
    const old = await upload('name=qcow-one&format=qcow2', v1);
    expect(old.statusCode, old.body).toBe(400);
    expect(old.json().message).toMatch(/qcow version 1 image cannot be imported/);

    const empty = await upload('name=empty&format=raw', Buffer.alloc(0));
    expect(empty.statusCode).toBe(400);
    expect(incoming()).toEqual([]);
    const names = (await images()).map((i) => i.name);
    expect(names).not.toContain('backed');
    expect(names).not.toContain('disguised');
  });

  it('refuses qcow2 files built to exhaust the host: bitmaps loaded into memory, an expansion bomb, a header qemu-img rejects', async () => {
    // Persistent dirty bitmaps: each one qemu loads on open can cost 64 MiB of memory from a few bytes of file.
    qemuImg('create', '-q', '-f', 'qcow2', join(work, 'bitmaps.qcow2'), '8M');
    qemuImg('bitmap', '--add', join(work, 'bitmaps.qcow2'), 'b0');
    const bitmaps = await upload('name=bitmaps&format=qcow2', readFileSync(join(work, 'bitmaps.qcow2')));
    expect(bitmaps.statusCode, bitmaps.body).toBe(400);
    expect(bitmaps.json().message).toMatch(/persistent dirty bitmaps cannot be imported/);

    // A header qemu-img refuses (cluster_bits 99) is the user's 400, with qemu-img's reason, not a 500.
    qemuImg('create', '-q', '-f', 'qcow2', join(work, 'header.qcow2'), '8M');
    const broken = readFileSync(join(work, 'header.qcow2'));
    broken.writeUInt32BE(99, 20);
    const refused = await upload('name=broken-header&format=qcow2', broken);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json()).toMatchObject({ field: 'body', message: expect.stringMatching(/does not open as qcow2: .*[Cc]luster size/) });

    // Every L2 entry pointing at one data cluster: 64 KiB of data that would convert into a 64 MiB image (or a full disk).
    const bomb = join(work, 'bomb.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', bomb, '64M');
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x42 0 64k', bomb], { stdio: 'pipe' });
    const bytes = readFileSync(bomb);
    const l1 = Number(bytes.readBigUInt64BE(40));
    const l2 = Number(bytes.readBigUInt64BE(l1) & 0x00fffffffffffe00n);
    for (let at = l2 + 8; at < l2 + 65536; at += 8) bytes.writeBigUInt64BE(bytes.readBigUInt64BE(l2), at);
    const accepted = await upload('name=bomb&format=qcow2', bytes);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const job = await waitJob(accepted.json<Job>().id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/qemu-img check found it inconsistent/);
    const names = (await images()).map((i) => i.name);
    for (const name of ['bitmaps', 'broken-header', 'bomb']) expect(names).not.toContain(name);
    expect(incoming()).toEqual([]);
  });

  it('refuses names that are paths, NUL bytes or unknown formats, naming the field', async () => {
    const raw = Buffer.alloc(4096);
    for (const [query, field] of [
      [`name=${encodeURIComponent('../escape')}&format=raw`, 'name'],
      [`name=${encodeURIComponent('/etc/passwd')}&format=raw`, 'name'],
      [`name=a%00b&format=raw`, 'name'],
      [`name=fine&format=vmdk`, 'format'],
      [`format=raw`, 'name'],
      [`name=fine&format=raw&path=/etc/passwd`, 'path'],
    ] as const) {
      const res = await upload(query, raw);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().field, query).toMatch(new RegExp(`\\b${field}$`));
    }
    expect(incoming()).toEqual([]);
  });

  it('is for operators: a viewer is refused before anything is written', async () => {
    const res = await upload('name=from-viewer&format=raw', Buffer.alloc(4096), viewer);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('role_required');
    expect(incoming()).toEqual([]);
  });

  it('registers nothing when the uploader is revoked or demoted while the bytes are still coming', async () => {
    const otto = await makeUser(server, 'otto', 'operator');
    const patchOtto = (body: object) =>
      server.app.inject({ method: 'PATCH', url: `/api/v1/users/${otto.id}`, headers: auth, payload: body });
    for (const [name, change, status, code] of [
      ['after-revoke', { revokeTokens: true }, 401, 'credentials_ended'],
      ['after-demote', { role: 'viewer' }, 403, 'role_required'],
    ] as const) {
      await patchOtto({ role: 'operator' });
      const token = bearer((await tokenFor(server, otto.id)).token);
      // Half the bytes, then the admin's change, then the rest.
      let changed!: () => void;
      const halfway = new Promise<void>((resolve) => (changed = resolve));
      const body = new Readable({ read() {} });
      body.push(Buffer.alloc(MAX / 2));
      const res = upload(`name=${name}&format=raw`, body, { ...token, 'content-length': String(MAX) });
      void halfway.then(() => {
        body.push(Buffer.alloc(MAX / 2));
        body.push(null);
      });
      expect((await patchOtto(change)).statusCode).toBe(200);
      changed();
      const answer = await res;
      expect(answer.statusCode, answer.body).toBe(status);
      expect(answer.json().code).toBe(code);
      expect((await images()).map((i) => i.name)).not.toContain(name);
    }
  });
});
