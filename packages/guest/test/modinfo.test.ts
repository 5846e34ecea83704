import { describe, expect, it } from 'vitest';
import { loadOrder, moduleDepends } from '../src/modinfo.js';

const ko = (modinfo: string) => Buffer.concat([Buffer.from('\x7fELF junk'), Buffer.from(`\0license=GPL\0${modinfo}\0name=x\0`)]);

describe('moduleDepends', () => {
  it('reads depends= and treats - and _ alike', () => {
    expect(moduleDepends(ko('depends=virtio_ring,t10-pi,virtio'))).toEqual(['virtio_ring', 't10_pi', 'virtio']);
  });
  it('returns nothing for a module without dependencies', () => {
    expect(moduleDepends(ko('depends='))).toEqual([]);
    expect(moduleDepends(Buffer.from('no modinfo here'))).toEqual([]);
  });
});

describe('loadOrder', () => {
  const deps: Record<string, string[]> = {
    ext4: ['jbd2', 'mbcache'],
    jbd2: [],
    mbcache: [],
    virtiofs: ['fuse', 'virtio'],
    fuse: [],
    virtio: [],
  };
  it('puts every module after its dependencies, each once', () => {
    const order = loadOrder(['ext4', 'virtiofs', 'jbd2'], (m) => deps[m] ?? []);
    expect(new Set(order).size).toBe(order.length);
    for (const [mod, needs] of Object.entries(deps)) for (const dep of needs) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(mod));
  });
  it('reports a dependency cycle instead of looping', () => {
    expect(() => loadOrder(['a'], (m) => (m === 'a' ? ['b'] : ['a']))).toThrow(/cycle: a -> b -> a/);
  });
});
