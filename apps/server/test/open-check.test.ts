import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createImageFiles } from '../src/images/image-files.js';
import { probeOpen } from '../src/images/open-check.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const qcow2 = (name: string) => {
  const path = join(dir, name);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '16M']);
  return path;
};

describe('whether an image file still opens as its recorded format (real qemu-img)', () => {
  it('accepts a healthy qcow2, and says why a truncated one or one with its magic overwritten does not open', () => {
    const healthy = qcow2('healthy.qcow2');
    expect(probeOpen(healthy, 'qcow2')).toBeNull();
    const truncated = qcow2('truncated.qcow2');
    truncateSync(truncated, 0);
    expect(probeOpen(truncated, 'qcow2')).toMatch(/^no longer opens as qcow2 \(qemu-img info -f qcow2: .*not in qcow2 format\)$/);
    const overwritten = qcow2('magic.qcow2');
    execFileSync('dd', ['of=' + overwritten, 'bs=4', 'count=1', 'conv=notrunc', 'status=none'], { input: 'XXXX' });
    expect(probeOpen(overwritten, 'qcow2')).toMatch(/no longer opens as qcow2/);
  });

  it('never probes: a raw file whose first bytes are a qcow2 header naming a host file is still raw', () => {
    const disguised = join(dir, 'disguised.raw');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/shadow', disguised, '1M']);
    expect(probeOpen(disguised, 'raw')).toBeNull();
    // Stated as qcow2, it opens as what it is; its backing file is not opened (no --backing-chain).
    expect(probeOpen(disguised, 'qcow2')).toBeNull();
  });

  it('judges a UML COW by its own header parser, and never follows a symlink to one', () => {
    const garbage = join(dir, 'garbage.cow');
    writeFileSync(garbage, Buffer.alloc(8192, 0x41));
    expect(probeOpen(garbage, 'uml-cow')).toMatch(/^is no longer a UML COW file: /);
    const empty = join(dir, 'empty.cow');
    writeFileSync(empty, '');
    expect(probeOpen(empty, 'uml-cow')).toMatch(/no longer a UML COW file/);
    const link = join(dir, 'link.cow');
    symlinkSync(garbage, link);
    expect(probeOpen(link, 'uml-cow')).toMatch(/no longer a UML COW file/);
  });

  it('runs qemu-img again only when the file changed (cache keyed by dev, inode, size, mtime, ctime)', () => {
    const files = createImageFiles(dir, dir);
    const path = qcow2('cached.qcow2');
    expect(files.openProblem!(path, 'qcow2')).toBeNull();
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) expect(files.openProblem!(path, 'qcow2')).toBeNull();
    const perCallMs = Number(process.hrtime.bigint() - started) / 1e6 / 200;
    console.log(`cached open check: ${perCallMs.toFixed(3)} ms per call`);
    expect(perCallMs).toBeLessThan(2);
    truncateSync(path, 0);
    expect(files.openProblem!(path, 'qcow2')).toMatch(/no longer opens as qcow2/);
  });

  it('sees a header overwritten in place after a write that only moved the mtime was let through unprobed', () => {
    const files = createImageFiles(dir, dir);
    const path = qcow2('written.qcow2');
    expect(files.openProblem!(path, 'qcow2')).toBeNull();
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 1M', path], { stdio: 'ignore' });
    expect(files.openProblem!(path, 'qcow2')).toBeNull();
    execFileSync('dd', ['of=' + path, 'bs=4', 'count=1', 'conv=notrunc', 'status=none'], { input: 'QFI\0' });
    expect(files.openProblem!(path, 'qcow2')).toMatch(/no longer opens as qcow2/);
  });
});
