import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protectShareRoots, releaseShareRoots, scrubSetId } from '../../src/index.js';

let base: string;
let root: string;
beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'strata-scrub-'));
  root = join(base, 'shares');
  mkdirSync(join(root, 'proj/deep/deeper'), { recursive: true });
  await protectShareRoots([root]);
});
afterAll(async () => {
  await releaseShareRoots([root], { everyBind: true });
  rmSync(base, { recursive: true, force: true });
});

const file = (path: string, mode: number) => {
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, mode);
  return path;
};
const modeOf = (path: string) => statSync(path).mode & 0o7777;

describe('clearing set-id bits beneath a share', () => {
  it('clears setuid and setgid at every depth, keeps every other bit, and follows no link out', () => {
    const outside = file(join(base, 'outside-suid'), 0o4755);
    const a = file(join(root, 'proj/a'), 0o4755);
    const b = file(join(root, 'proj/deep/b'), 0o2711);
    const c = file(join(root, 'proj/deep/deeper/c'), 0o6750);
    const plain = file(join(root, 'proj/plain'), 0o755);
    const sticky = join(root, 'proj/deep/sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    symlinkSync(outside, join(root, 'proj/link-out'));
    symlinkSync(base, join(root, 'proj/dir-link-out'));
    const changed = scrubSetId(root, join(root, 'proj'));
    expect(changed.sort()).toEqual(['a', 'deep/b', 'deep/deeper/c']);
    expect([modeOf(a), modeOf(b), modeOf(c), modeOf(plain)]).toEqual([0o755, 0o711, 0o750, 0o755]);
    expect(modeOf(sticky)).toBe(0o1777);
    expect(modeOf(outside)).toBe(0o4755);
  });

  it('says so when a tree is too deep to check to the bottom, rather than passing over it', () => {
    let dir = join(root, 'deep-tree');
    mkdirSync(dir);
    const top = dir;
    const levels: string[] = [];
    for (let i = 0; i < 1000; i++) levels.push('d');
    let made = 0;
    for (const name of levels) {
      try {
        mkdirSync(join(dir, name));
        dir = join(dir, name);
        made++;
      } catch {
        break;
      }
    }
    expect(made).toBeGreaterThan(900);
    expect(() => scrubSetId(root, top)).toThrow(/deeper than \d+ levels/);
  });

  it('refuses a share path that is not beneath its root or is reached through a symlink', () => {
    symlinkSync(join(root, 'proj'), join(root, 'alias'));
    expect(() => scrubSetId(root, join(root, 'alias'))).toThrow(/symbolic link|not a directory/);
    expect(() => scrubSetId(root, base)).toThrow(/not beneath/);
  });
});
