import { describe, expect, it } from 'vitest';
import { StrataError } from '../src/errors.js';
import { resolveSharePath } from '../src/share-path.js';

/** A pretend file system: real paths of a few names, and which are directories. */
const fs = {
  links: new Map<string, string>([
    ['/srv/share/out', '/etc'],
    ['/srv/share/ok', '/srv/share/ok'],
    ['/srv/share', '/srv/share'],
    ['/srv/share-evil', '/srv/share-evil'],
    ['/srv/share/file', '/srv/share/file'],
    ['/srv/share/sys', '/sys/kernel'],
  ]),
  realpath(path: string) {
    const real = this.links.get(path);
    if (!real) throw new Error('ENOENT');
    return real;
  },
  isDirectory: (path: string) => path !== '/srv/share/file',
};

const reason = (path: string): string => {
  try {
    resolveSharePath(path, ['/srv/share'], fs);
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).field).toBe('body.path');
    return (err as StrataError).message;
  }
};

describe('resolveSharePath', () => {
  it('accepts a directory under an allowed root, resolved', () => {
    expect(resolveSharePath('/srv/share/ok', ['/srv/share'], fs)).toBe('/srv/share/ok');
  });
  it('refuses every way out, each with its reason', () => {
    expect(reason('/srv/share/../etc')).toMatch(/'\.\.' is not allowed/);
    expect(reason('relative/dir')).toMatch(/absolute path/);
    expect(reason('/srv/share-evil')).toMatch(/not under an allowed share root/);
    expect(reason('/srv/share/out')).toMatch(/resolves to \/etc/);
    expect(reason('/srv/share/sys')).toMatch(/special file system/);
    expect(reason('/srv/share/ok\0x')).toMatch(/NUL/);
    expect(reason(`/srv/share/${'a'.repeat(300)}`)).toMatch(/longer than 255/);
    expect(reason(`/srv/${'a/'.repeat(2100)}`)).toMatch(/longer than 4096/);
    expect(reason('/srv/share/file')).toMatch(/not a directory/);
    expect(reason('/srv/share/%2e%2e')).toMatch(/does not exist/);
    expect(reason('/srv/share')).toMatch(/not under an allowed share root/);
  });
});
