import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpioDir, cpioFile, cpioSymlink, writeCpio } from '../src/cpio.js';

describe('writeCpio', () => {
  const archive = writeCpio([cpioDir('bin'), cpioFile('bin/hello', Buffer.from('hi there\n'), 0o755), cpioSymlink('bin/sh', 'hello')]);

  it('writes newc headers padded to four bytes and a trailer', () => {
    expect(archive.subarray(0, 6).toString()).toBe('070701');
    expect(archive.length % 4).toBe(0);
    expect(archive.includes(Buffer.from('TRAILER!!!'))).toBe(true);
  });

  it('is read back by the real cpio tool with names, modes and contents intact', () => {
    const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: archive }).toString();
    expect(listing).toMatch(/^drwxr-xr-x .* bin$/m);
    expect(listing).toMatch(/^-rwxr-xr-x .* bin\/hello$/m);
    expect(listing).toMatch(/^lrwxrwxrwx .* bin\/sh -> hello$/m);
    const content = execFileSync('cpio', ['-i', '--to-stdout', '--quiet', 'bin/hello'], { input: archive }).toString();
    expect(content).toBe('hi there\n');
  });
});
