import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeTreeBeneath } from '../src/remove-tree.js';

let base: string;
let outside: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'strata-rmtree-'));
  outside = join(base, 'outside');
  mkdirSync(join(outside, 'tree'), { recursive: true });
  writeFileSync(join(outside, 'keep.txt'), 'keep');
  writeFileSync(join(outside, 'tree', 'inner.txt'), 'inner');
  mkdirSync(join(base, 'vms'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const outsideIntact = () => {
  expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('keep');
  expect(readFileSync(join(outside, 'tree', 'inner.txt'), 'utf8')).toBe('inner');
};

describe('removeTreeBeneath', () => {
  it('removes a VM directory with files, a FIFO, subdirectories and links, following none of the links', () => {
    const dir = join(base, 'vms', 'abc');
    mkdirSync(join(dir, 'disks', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'console.log'), 'log');
    writeFileSync(join(dir, 'disks', 'deep', 'x.cow'), 'cow');
    execFileSync('mkfifo', [join(dir, 'console.in')]);
    symlinkSync(join(outside, 'keep.txt'), join(dir, 'qemu.log'));
    symlinkSync(join(outside, 'tree'), join(dir, 'run'));
    symlinkSync(outside, join(dir, 'disks', 'deep', 'up'));
    expect(removeTreeBeneath(join(base, 'vms'), 'abc')).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    outsideIntact();
  });

  it('unlinks a VM directory that was replaced by a symlink, leaving its target alone', () => {
    symlinkSync(join(outside, 'tree'), join(base, 'vms', 'abc'));
    expect(removeTreeBeneath(join(base, 'vms'), 'abc')).toEqual([]);
    expect(existsSync(join(base, 'vms', 'abc'))).toBe(false);
    outsideIntact();
  });

  it('is a no-op for a directory that does not exist, and refuses a name that is not one plain component', () => {
    expect(removeTreeBeneath(join(base, 'vms'), 'missing')).toEqual([]);
    expect(() => removeTreeBeneath(join(base, 'vms'), '../outside')).toThrow(/not a plain file name/);
    outsideIntact();
  });
});
