import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Image, Vm } from '@strata/contract';
import { imageInfo } from '@strata/qemu';
import { isOurQemu } from '../../../packages/qemu/src/qemu-process.js';
import { promptPattern as prompt } from './api-client.js';
import { serverPerFile } from './server-per-file.js';
import { ConsoleClient } from './console-client.js';
import { collectEvents } from './events-client.js';

const { server, api, waitForState } = serverPerFile();

describe('a QEMU VM from create to delete, with real QEMU', () => {
  let vm: Vm;

  it('creates the VM on its own overlay of the protected default base', async () => {
    const created = await api<Vm>('POST', '/vms', { name: 'life' });
    expect(created.status).toBe(201);
    vm = created.body;
    expect(vm).toMatchObject({ state: 'defined', vcpus: 1, memoryMiB: 256, cpu: { sockets: 1, cores: 1, threads: 1 }, hypervisor: 'qemu' });
    const images = (await api<Image[]>('GET', '/images')).body;
    const top = images.find((i) => i.id === vm.disks[0]!.imageId)!;
    const base = images.find((i) => i.id === top.parentId)!;
    expect(base.name).toBe('strata-mini');
    expect(base.protected).toBe(true);
    expect(statSync(base.path).mode & 0o222).toBe(0);
    expect((await imageInfo(top.path, 'qcow2'))['backing-filename']).toBe(base.path);
    expect(top.usedBy).toEqual([{ vmId: vm.id, role: 'writable' }]);
    expect(base.usedBy).toEqual([{ vmId: vm.id, role: 'backing' }]);
    expect(top.allocatedSize).toBeLessThan(2 * 1024 * 1024);
    expect((await api('POST', '/vms', { name: 'life' })).status).toBe(409);
  });

  it('starts, pushes the change on the event stream, and refuses a second start', async () => {
    const stream = collectEvents(server().url);
    await stream.ready;
    const started = await api<Vm>('POST', `/vms/${vm.id}/start`);
    expect(started.status).toBe(200);
    expect(started.body.state).toBe('running');
    expect(started.body.runningAccelerator).toBe(
      (await api<{ accelerator: { selected: string } }>('GET', '/host')).body.accelerator.selected,
    );
    expect(isOurQemu(started.body.pid!, `strata-${vm.id}`)).toBe(true);
    try {
      await expect
        .poll(() => stream.events.some((e) => e.type === 'vm.changed' && e.vm.id === vm.id && e.vm.state === 'running'))
        .toBe(true);
      expect(stream.events.some((e) => e.type === 'vm.changed' && e.vm.state === 'starting')).toBe(true);
    } finally {
      stream.close();
    }
    const again = await api<{ code: string }>('POST', `/vms/${vm.id}/start`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('invalid_state');
    expect((await api('DELETE', `/vms/${vm.id}`)).status).toBe(409);
  });

  it('serves the serial console to two viewers at once; either can type', async () => {
    const a = await ConsoleClient.open(server().url, vm.id);
    await a.waitFor(prompt, 90_000);
    const b = await ConsoleClient.open(server().url, vm.id);
    await b.waitFor(/strata-mini: ready/, 5_000); // scrollback on connect
    const mark = b.output.length;
    a.send('echo hello\r');
    await a.waitFor(/\r\nhello\r\n/, 20_000);
    await b.waitFor(/\r\nhello\r\n/, 20_000, mark);
    b.send('echo from-b-$((40 + 2))\r');
    await a.waitFor(/from-b-42/, 20_000);
    a.close();
    b.close();
  });

  it('keeps running when the server restarts, and is reattached with a working console', async () => {
    const pid = (await api<Vm>('GET', `/vms/${vm.id}`)).body.pid!;
    await server().restart();
    expect(isOurQemu(pid, `strata-${vm.id}`)).toBe(true);
    const after = (await api<Vm>('GET', `/vms/${vm.id}`)).body;
    expect(after).toMatchObject({ state: 'running', pid });
    const viewer = await ConsoleClient.open(server().url, vm.id);
    const mark = viewer.output.length;
    viewer.send('echo still-$((20 + 1))\r');
    await viewer.waitFor(/still-21/, 20_000, mark);
    viewer.close();
  });

  it('marks the VM crashed within seconds when QEMU is killed, with the reason', async () => {
    const pid = (await api<Vm>('GET', `/vms/${vm.id}`)).body.pid!;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    // Seen at once on a quiet host (the process's exit, not a poll); the bound leaves room for a loaded one.
    const crashed = await waitForState(vm.id, 'crashed', 10_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(crashed.pid).toBeNull();
    expect(crashed.lastError).toMatch(/QEMU exited unexpectedly/);
  });

  it('starts again after the crash and stops for good', async () => {
    expect((await api<Vm>('POST', `/vms/${vm.id}/start`)).body.state).toBe('running');
    const pid = (await api<Vm>('GET', `/vms/${vm.id}`)).body.pid!;
    const stopped = await api<Vm>('POST', `/vms/${vm.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ state: 'stopped', pid: null, lastError: null });
    expect(isOurQemu(pid, `strata-${vm.id}`)).toBe(false);
    expect((await api('POST', `/vms/${vm.id}/stop`)).status).toBe(409);
  });

  it('deletes the VM with its private layer and leaves the base', async () => {
    const images = (await api<Image[]>('GET', '/images')).body;
    const top = images.find((i) => i.id === vm.disks[0]!.imageId)!;
    const base = images.find((i) => i.id === top.parentId)!;
    expect((await api('DELETE', `/vms/${vm.id}`)).status).toBe(204);
    expect(existsSync(top.path)).toBe(false);
    expect(existsSync(base.path)).toBe(true);
    expect((await api('GET', `/vms/${vm.id}`)).status).toBe(404);
    expect((await api<Image[]>('GET', '/images')).body.find((i) => i.id === base.id)?.usedBy).toEqual([]);
  });
});
