import { describe, expect, it } from 'vitest';
import { StrataError } from '../src/errors.js';
import { FakeProcess, fakeWorld, settle } from './vm-fakes.js';

/** The refusal's code and field, or null when the work succeeded. */
const refusal = async (work: Promise<unknown>) => {
  try {
    await work;
    return null;
  } catch (err) {
    if (!(err instanceof StrataError)) throw err;
    return { code: err.code, field: err.field };
  }
};

describe('disk operations refuse before touching a file, naming the field', () => {
  it('a new disk is blank or on a shared image, one of the two, never on another VM layer', async () => {
    const { services } = fakeWorld();
    expect(await refusal(services.disks.add('vm1', { sizeBytes: 1 << 30, image: 'base' }))).toMatchObject({ field: 'body.image' });
    expect(await refusal(services.disks.add('vm1', {}))).toMatchObject({ field: 'body.sizeBytes' });
    expect(await refusal(services.disks.add('vm1', { image: 'top' }))).toMatchObject({ field: 'body.image' });
    expect(await refusal(services.disks.add('vm1', { image: 'nothing-of-that-name' }))).toMatchObject({
      code: 'image_not_found',
      field: 'body.image',
    });
    // The fake driver offers no disk bus.
    expect(await refusal(services.disks.add('vm1', { sizeBytes: 1 << 30, bus: 'ide' }))).toMatchObject({ field: 'body.bus' });
  });

  it('the boot disk stays, a disk never shrinks, and a running VM keeps its disk list', async () => {
    const { services } = fakeWorld();
    expect(await refusal(services.disks.remove('vm1', 'disk0', 'delete'))).toEqual({ code: 'boot_disk', field: 'params.disk' });
    expect(await refusal(services.disks.grow('vm1', 'disk0', 1 << 29))).toMatchObject({ field: 'body.sizeBytes' });
    expect(await refusal(services.disks.grow('vm1', 'disk0', 1 << 30))).toMatchObject({ field: 'body.sizeBytes' });
    await services.lifecycle.start('vm1');
    expect(await refusal(services.disks.add('vm1', { sizeBytes: 1 << 30 }))).toEqual({ code: 'requires_stop', field: 'params.id' });
    // The fake process has no live-disk facet: growing it live is refused, not faked.
    expect(await refusal(services.disks.grow('vm1', 'disk0', 2 ** 31))).toEqual({ code: 'requires_stop', field: 'params.disk' });
    expect(await refusal(services.clones.clone('vm1', { name: 'two', mode: 'linked' }))).toEqual({
      code: 'requires_stop',
      field: 'params.id',
    });
  });
});

describe('pending changes and restart', () => {
  it('memory saved on a running VM waits, is applied when the process ends, and a restart brings it up with it', async () => {
    const { services, driver } = fakeWorld();
    await services.lifecycle.start('vm1');
    const edited = await services.config.update('vm1', { memoryMiB: 512, name: 'renamed' });
    expect(edited).toMatchObject({ name: 'renamed', memoryMiB: 256, pending: { memoryMiB: 512 } });
    // A restart waits for the guest to power off: the fake guest does so when asked.
    const first = services.runtime.running('vm1') as FakeProcess;
    expect(first).toBeInstanceOf(FakeProcess);
    first.powerdown = async () => void setTimeout(() => first.exit({ clean: true, reason: 'powered off' }), 0);
    const restarted = await services.lifecycle.restart('vm1');
    expect(restarted).toMatchObject({ state: 'running', memoryMiB: 512, pending: null });
    expect(driver.launched.at(-1)!.vm.memoryMiB).toBe(512);
    expect(restarted.pid).not.toBe(first.pid);
    await settle();
  });

  it('a discarded change never applies', async () => {
    const { services, vms } = fakeWorld();
    await services.lifecycle.start('vm1');
    await services.config.update('vm1', { memoryMiB: 512 });
    expect((await services.config.discardPending('vm1')).pending).toBeNull();
    await services.lifecycle.stop('vm1');
    expect(vms.get('vm1')).toMatchObject({ state: 'stopped', memoryMiB: 256 });
  });
});
