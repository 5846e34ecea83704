import { afterEach, describe, expect, it, vi } from 'vitest';
import { StrataError } from '../src/errors.js';
import { FakeProcess, fakeDriver, fakeWorld, settle } from './vm-fakes.js';

const codeOf = async (work: Promise<unknown>) => {
  try {
    await work;
    return null;
  } catch (err) {
    return err instanceof StrataError ? err.code : String(err);
  }
};

afterEach(() => void vi.useRealTimers());

describe('VM lifecycle over fake ports', () => {
  it('starts a stopped VM: one launch with its disk chain and directory, then running with the pid', async () => {
    const { services, driver, vms, events } = fakeWorld();
    const vm = await services.lifecycle.start('vm1');
    expect(vm).toMatchObject({ state: 'running', pid: 100, runningAccelerator: 'tcg' });
    expect(driver.launched).toHaveLength(1);
    expect(driver.launched[0]).toMatchObject({ dir: '/data/vms/vm1', disks: [{ id: 'disk0', path: '/data/top.qcow2', format: 'qcow2' }] });
    expect(events.filter((e) => e.type === 'vm.changed').map((e) => e.type === 'vm.changed' && e.vm.state)).toEqual([
      'starting',
      'running',
    ]);
    expect(vms.get('vm1')!.stopRequested).toBe(false);
    expect(await codeOf(services.lifecycle.start('vm1'))).toBe('invalid_state');
  });

  it('stops: the process is ended, the VM is stopped (not crashed) and its helpers are cleaned up', async () => {
    const { services, driver } = fakeWorld();
    await services.lifecycle.start('vm1');
    const process = services.runtime.running('vm1') as FakeProcess;
    const vm = await services.lifecycle.stop('vm1');
    expect(process.stopped).toBe(1);
    expect(vm).toMatchObject({ state: 'stopped', pid: null, lastError: null });
    expect(driver.cleaned).toEqual(['/data/vms/vm1']);
    expect(services.runtime.running('vm1')).toBeUndefined();
  });

  it('marks a VM whose process ends on its own as crashed, with the reason and the log tail', async () => {
    const { services, vms, driver } = fakeWorld();
    await services.lifecycle.start('vm1');
    (services.runtime.running('vm1') as FakeProcess).exit({ clean: false, reason: 'QEMU exited unexpectedly' });
    await settle();
    expect(vms.get('vm1')).toMatchObject({ state: 'crashed', pid: null });
    expect(vms.get('vm1')!.lastError).toBe('QEMU exited unexpectedly\nlast words');
    expect(driver.cleaned).toEqual(['/data/vms/vm1']);
  });

  it('a guest that powers itself off is stopped, not crashed', async () => {
    const { services, vms } = fakeWorld();
    await services.lifecycle.start('vm1');
    (services.runtime.running('vm1') as FakeProcess).exit({ clean: true, reason: 'the guest powered off' });
    await settle();
    expect(vms.get('vm1')).toMatchObject({ state: 'stopped', lastError: null });
  });

  it('an exit it cannot record (a damaged record) is logged, never left as an unhandled rejection', async () => {
    const { services, vms, logLines } = fakeWorld();
    await services.lifecycle.start('vm1');
    const unhandled: unknown[] = [];
    const note = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', note);
    try {
      vms.get = () => {
        throw new Error('vms: the row of "vm1" holds no record of that id');
      };
      (services.runtime.running('vm1') as FakeProcess).exit({ clean: false, reason: 'QEMU exited unexpectedly' });
      await vi.waitFor(() => expect(logLines.some((l) => l.message === 'the end of the VM could not be recorded')).toBe(true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(logLines.find((l) => l.level === 'error')?.fields).toMatchObject({
        vmId: 'vm1',
        err: expect.stringMatching(/holds no record/),
      });
    } finally {
      process.off('unhandledRejection', note);
    }
  });

  it('starts a stopped VM again: a new launch and a new pid', async () => {
    const { services, driver } = fakeWorld();
    await services.lifecycle.start('vm1');
    await services.lifecycle.stop('vm1');
    const again = await services.lifecycle.start('vm1');
    expect(again).toMatchObject({ state: 'running', pid: 101 });
    expect(driver.launched).toHaveLength(2);
  });

  it('reattach that finds no process: the VM crashed while the server was down, and what it left is cleaned up', async () => {
    const { services, vms, driver } = fakeWorld();
    vms.update('vm1', { state: 'running', pid: 42 });
    driver.onReattach = async () => null;
    await services.lifecycle.reattachAll();
    expect(vms.get('vm1')).toMatchObject({ state: 'crashed', pid: null });
    expect(vms.get('vm1')!.lastError).toMatch(/^the VM exited while the server was not running\nthe tail of the log/);
    expect(driver.cleaned).toEqual(['/data/vms/vm1']);
  });

  it('reattach that finds the process takes it back: running, watched, and stoppable', async () => {
    const { services, vms, driver } = fakeWorld();
    vms.update('vm1', { state: 'starting', pid: 42 });
    const found = new FakeProcess(42);
    driver.onReattach = async () => found;
    await services.lifecycle.reattachAll();
    expect(vms.get('vm1')).toMatchObject({ state: 'running', pid: 42 });
    expect(services.runtime.running('vm1')).toBe(found);
    await services.lifecycle.stop('vm1');
    expect(found.stopped).toBe(1);
  });

  it('reattach rejected (alive but not attachable): state kept, helpers left running, logged, warned, refused, tried again next time', async () => {
    const { services, vms, driver, logLines } = fakeWorld();
    vms.update('vm1', { state: 'running', pid: 42 });
    driver.onReattach = async () => {
      throw new Error('QMP did not answer within 5 s');
    };
    await services.lifecycle.reattachAll();
    expect(vms.get('vm1')).toMatchObject({ state: 'running', pid: 42, lastError: null });
    expect(driver.cleaned).toEqual([]);
    expect(logLines).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ vmId: 'vm1', err: 'QMP did not answer within 5 s' }) }),
    ]);
    const shown = await services.config.get('vm1');
    expect(shown.warnings.some((w) => /could not attach/.test(w) && w.includes('QMP did not answer'))).toBe(true);
    // Calling it stopped would lose a process that still runs.
    expect(await codeOf(services.lifecycle.stop('vm1'))).toBe('not_attached');
    expect(await codeOf(services.lifecycle.pause('vm1'))).toBe('not_attached');
    expect(vms.get('vm1')!.state).toBe('running');

    // The next server start (a new reattach) tries again, and the warning goes once it succeeds.
    driver.onReattach = async () => new FakeProcess(42);
    await services.lifecycle.reattachAll();
    expect(services.runtime.running('vm1')?.pid).toBe(42);
    expect((await services.config.get('vm1')).warnings).toEqual([]);
  });

  it('a process that refused a reattach is tried again every 10 s: its later exit is recorded, and waiting jobs recovered', async () => {
    vi.useFakeTimers();
    const { services, vms, driver, recovered } = fakeWorld();
    vms.update('vm1', { state: 'running', pid: 42 });
    driver.onReattach = async () => {
      throw new Error('QMP did not answer within 5 s');
    };
    await services.lifecycle.reattachAll();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(vms.get('vm1')!.state).toBe('running');
    expect(recovered).toEqual([]);
    // The process has ended since: the normal exit path, as if the server had been down.
    driver.onReattach = async () => null;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(vms.get('vm1')).toMatchObject({ state: 'crashed', pid: null });
    expect(driver.cleaned).toEqual(['/data/vms/vm1']);
    expect((await services.config.get('vm1')).warnings).toEqual([]);
    expect(recovered).toHaveLength(1);
  });

  it('a retry that attaches makes it a normal VM: watched, its exit recorded', async () => {
    vi.useFakeTimers();
    const { services, vms, driver, recovered } = fakeWorld();
    vms.update('vm1', { state: 'running', pid: 42 });
    driver.onReattach = async () => {
      throw new Error('QMP did not answer within 5 s');
    };
    await services.lifecycle.reattachAll();
    const found = new FakeProcess(42);
    driver.onReattach = async () => found;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(services.runtime.running('vm1')).toBe(found);
    expect(recovered).toHaveLength(1);
    found.exit({ clean: false, reason: 'QEMU exited unexpectedly' });
    await vi.advanceTimersByTimeAsync(0);
    expect(vms.get('vm1')!.state).toBe('crashed');
  });

  it('refuses pinning of a VM whose process is not attached, and saves none', async () => {
    const { services, vms, driver } = fakeWorld();
    vms.update('vm1', { state: 'running', pid: 42 });
    driver.onReattach = async () => {
      throw new Error('QMP did not answer within 5 s');
    };
    await services.lifecycle.reattachAll();
    services.lifecycle.detachAll();
    expect(await codeOf(services.config.setPinning('vm1', { vcpus: [{ index: 0, cpus: [1] }] }))).toBe('not_attached');
    expect(vms.get('vm1')!.pinning.vcpus).toEqual([]);
  });

  it('a reattached VM left stopping without a deadline is stopped at once', async () => {
    const { services, vms, driver } = fakeWorld();
    vms.update('vm1', { state: 'stopping', pid: 42, stopRequested: true });
    const found = new FakeProcess(42);
    driver.onReattach = async () => found;
    await services.lifecycle.reattachAll();
    await settle();
    expect(found.stopped).toBe(1);
    expect(vms.get('vm1')!.state).toBe('stopped');
  });
});

describe('capabilities decide, not the hypervisor name', () => {
  it("the driver's disk rules say which chains it boots: a chain they refuse is not launched", async () => {
    const driver = fakeDriver();
    const seen: string[][] = [];
    driver.rules.disk.bootsChain = (formats) => (seen.push(formats), false);
    const { services } = fakeWorld(driver);
    expect(await codeOf(services.lifecycle.start('vm1'))).toBe('image_mismatch');
    expect(seen).toEqual([['qcow2', 'qcow2']]);
    expect(driver.launched).toEqual([]);
  });

  it('the VM carries its driver capabilities; a live change a process has no facet for waits for the next start', async () => {
    const { services, vms } = fakeWorld(fakeDriver());
    expect((await services.config.get('vm1')).capabilities).toMatchObject({ balloon: false, mconsole: false });
    vms.update('vm1', { cpu: { sockets: 1, cores: 2, threads: 1 } });
    await services.lifecycle.start('vm1');
    const edited = await services.config.update('vm1', { vcpus: 2 });
    expect(edited).toMatchObject({ vcpus: 1, pending: { vcpus: 2 } });
    expect(await codeOf(services.config.update('vm1', { balloonMiB: 128 }))).toBe('not_offered');
    expect(await codeOf(services.uml.ubdDevices('vm1'))).toBe('not_uml');
  });
});
