import { describe, expect, it } from 'vitest';
import { StrataError } from '../src/errors.js';
import { assertAction } from '../src/vm-state.js';
import { topologyWarnings, validateMemory, validateTopology, vcpuCount } from '../src/vm-spec.js';
import { KeyedMutex } from '../src/keyed-mutex.js';
import { chainOf, usersOf } from '../src/image-chain.js';
import type { VmRecord } from '../src/records.js';
import { imageRecord } from './image-records.js';

const host = { logicalCpus: 2, memoryBytes: 4 * 1024 ** 3 };

describe('VM specification rules', () => {
  it('counts vCPUs as sockets × cores × threads and refuses more than 64', () => {
    expect(vcpuCount({ sockets: 2, cores: 3, threads: 2 })).toBe(12);
    expect(() => validateTopology({ sockets: 4, cores: 4, threads: 8 })).toThrow(/128 vCPUs/);
  });
  it('names the field when memory is too small or above the host', () => {
    const err = (() => {
      try {
        validateMemory(8192, host);
      } catch (e) {
        return e as StrataError;
      }
    })();
    expect(err?.field).toBe('body.memoryMiB');
    expect(err?.message).toMatch(/more than the host's 4096 MiB/);
    expect(() => validateMemory(32, host)).toThrow(/at least 64 MiB/);
    expect(() => validateMemory(256, host)).not.toThrow();
  });
  it('warns when one VM has more vCPUs than the host has logical CPUs', () => {
    expect(topologyWarnings({ sockets: 1, cores: 4, threads: 1 }, host)[0]).toMatch(/4 vCPUs exceed the host's 2/);
    expect(topologyWarnings({ sockets: 1, cores: 2, threads: 1 }, host)).toEqual([]);
  });
});

describe('VM state machine', () => {
  it('refuses actions that make no sense in the current state with a 409', () => {
    expect(() => assertAction('start', 'running')).toThrow(StrataError);
    // Caught outside any expect, so an action that is wrongly allowed fails here instead of asserting nothing.
    const refusal = (() => {
      try {
        assertAction('delete', 'running');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(StrataError);
    expect((refusal as StrataError).status).toBe(409);
    expect(() => assertAction('start', 'crashed')).not.toThrow();
  });
});

describe('KeyedMutex', () => {
  it('runs work for one key one at a time, and other keys alongside', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = mutex.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const second = mutex.run('a', async () => {
      log.push('a2');
    });
    await mutex.run('b', async () => {
      log.push('b');
    });
    expect(log).toEqual(['a1 start', 'b']);
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });
  it('keeps going after a failure', async () => {
    const mutex = new KeyedMutex();
    await expect(
      mutex.run('a', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(mutex.run('a', async () => 42)).resolves.toBe(42);
  });
});

describe('image chains', () => {
  const image = (id: string, parentId: string | null) => imageRecord(id, parentId, { parentFingerprint: null });
  const images = [image('base', null), image('mid', 'base'), image('top', 'mid'), image('other', 'base')];
  it('walks from the top layer to the base', () => {
    expect(chainOf('top', new Map(images.map((i) => [i.id, i]))).map((i) => i.id)).toEqual(['top', 'mid', 'base']);
  });
  it('stops on a cycle', () => {
    const looped = [image('x', 'y'), image('y', 'x')];
    expect(chainOf('x', new Map(looped.map((i) => [i.id, i]))).map((i) => i.id)).toEqual(['x', 'y']);
  });
  it('marks the top as writable and every layer below as backing', () => {
    const vm = { id: 'vm1', disks: [{ id: 'disk0', imageId: 'top', bus: 'virtio' }] } as VmRecord;
    const users = usersOf(images, [vm]);
    expect(users.get('top')).toEqual([{ vmId: 'vm1', role: 'writable' }]);
    expect(users.get('base')).toEqual([{ vmId: 'vm1', role: 'backing' }]);
    expect(users.get('other')).toBeUndefined();
  });
});
