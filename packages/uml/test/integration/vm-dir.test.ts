import { closeSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createDiskFile, memoryDirIn, openConsoleLog, openOwnedDir, ownDiskFile, writeServerFile } from '../../src/vm-dir.js';
import { openRootDir, protectShareRoots, releaseShareRoots } from '@strata/host';

const owner = { uid: 60123, gid: 60123 };
const scratch = () => {
  const dir = mkdtempSync(`${tmpdir()}/vm-dir-`);
  const canary = `${dir}/canary`;
  writeFileSync(canary, 'secret\n', { mode: 0o600 });
  mkdirSync(`${dir}/canary-dir`);
  return { dir, canary, fd: openRootDir(dir) };
};
const untouched = (path: string) => expect(lstatSync(path)).toMatchObject({ uid: 0, gid: 0 });

describe('the VM directory, where a guest may have planted names', () => {
  it('replaces a planted symlink under a server file, never writing or chowning through it', () => {
    const { dir, canary, fd } = scratch();
    for (const name of ['uml.pid', 'console.log']) symlinkSync(canary, `${dir}/${name}`);
    writeServerFile(fd, 'uml.pid', '42');
    closeSync(openConsoleLog(fd));
    expect(readFileSync(canary, 'utf8')).toBe('secret\n');
    untouched(canary);
    expect(lstatSync(`${dir}/uml.pid`).isFile()).toBe(true);
    expect(lstatSync(`${dir}/console.log`)).toMatchObject({ uid: 0, mode: 0o100600 });
  });

  it('refuses a symlink or hard link as a disk and as the disks directory; makes scratch disks new', () => {
    const { dir, canary, fd } = scratch();
    symlinkSync(`${dir}/canary-dir`, `${dir}/disks`);
    expect(() => openOwnedDir(fd, 'disks', owner)).toThrow(/not a plain directory/);
    untouched(`${dir}/canary-dir`);
    mkdirSync(`${dir}/d2`);
    const disks = openOwnedDir(fd, 'd2', owner);
    expect(fstatSync(disks).uid).toBe(owner.uid);
    symlinkSync(canary, `${dir}/d2/top.cow`);
    expect(() => ownDiskFile(disks, 'top.cow', owner)).toThrow(/not a plain file/);
    symlinkSync(canary, `${dir}/d2/scratch-ubd1.raw`);
    createDiskFile(disks, 'scratch-ubd1.raw', 4096, owner);
    expect(lstatSync(`${dir}/d2/scratch-ubd1.raw`)).toMatchObject({ uid: owner.uid, size: 4096 });
    expect(readFileSync(canary, 'utf8')).toBe('secret\n');
    untouched(canary);
  });

  it('refuses a memory directory in TMPDIR that Strata did not make, or on a mount where set-id bits count', async () => {
    const { dir } = scratch();
    expect(() => memoryDirIn(dir, 'v0', owner)).toThrow(/without nosuid,nodev/);
    const mem = `${dir}/mem`;
    mkdirSync(mem);
    await protectShareRoots([mem]);
    try {
      mkdirSync(`${mem}/canary-dir`);
      symlinkSync(`${mem}/canary-dir`, `${mem}/strata-uml-v1`);
      expect(() => memoryDirIn(mem, 'v1', owner)).toThrow(/not made by Strata/);
      untouched(`${mem}/canary-dir`);
      closeSync(memoryDirIn(mem, 'v2', owner));
      expect(lstatSync(`${mem}/strata-uml-v2`)).toMatchObject({ uid: owner.uid });
      closeSync(memoryDirIn(mem, 'v2', owner));
    } finally {
      await releaseShareRoots([mem], { everyBind: true });
    }
  });
});
