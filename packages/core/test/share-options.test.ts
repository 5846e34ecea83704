import { describe, expect, it } from 'vitest';
import { mountCommand, shareOptions } from '../src/share-options.js';
import { StrataError } from '../src/errors.js';

const fieldOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as StrataError).field;
  }
  return undefined;
};

describe('share options per transport', () => {
  it('fills in the defaults: 9p with a 512 KiB msize and mapped-xattr, virtiofs with cache=none', () => {
    expect(shareOptions('9p')).toEqual({ version: '9p2000.L', msize: 524288, securityModel: 'mapped-xattr', cache: 'none' });
    expect(shareOptions('virtiofs', { writeback: true })).toEqual({
      cache: 'none',
      xattr: false,
      posixAcl: false,
      threadPoolSize: 0,
      writeback: true,
    });
  });

  it('names the field that does not fit the transport', () => {
    expect(fieldOf(() => shareOptions('9p', { cache: 'auto' }))).toBe('body.options.cache');
    expect(fieldOf(() => shareOptions('9p', { xattr: true }))).toBe('body.options.xattr');
    expect(fieldOf(() => shareOptions('9p', { msize: 8192 }))).toBe('body.options.msize');
    expect(fieldOf(() => shareOptions('virtiofs', { cache: 'loose' }))).toBe('body.options.cache');
    expect(fieldOf(() => shareOptions('virtiofs', { dax: true }))).toBe('body.options.dax');
    // fieldOf is undefined for an error without a field too: the call must not throw at all.
    expect(() => shareOptions('virtiofs', { dax: false })).not.toThrow();
    expect(fieldOf(() => shareOptions('virtiofs', { dax: false }))).toBeUndefined();
  });

  it('turns xattr on for POSIX ACLs unless xattr was refused outright', () => {
    expect(shareOptions('virtiofs', { posixAcl: true })).toMatchObject({ posixAcl: true, xattr: true });
    expect(fieldOf(() => shareOptions('virtiofs', { posixAcl: true, xattr: false }))).toBe('body.options.posixAcl');
  });

  it('writes the mount command each guest needs', () => {
    const base = { shareId: 's', tag: 'data', readonly: true };
    expect(mountCommand({ ...base, transport: 'virtiofs', options: shareOptions('virtiofs') as never })).toBe(
      'mount -t virtiofs -o ro data /mnt/data',
    );
    expect(mountCommand({ ...base, transport: '9p', options: shareOptions('9p') as never })).toBe(
      'mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288,cache=none,ro data /mnt/data',
    );
  });
});
