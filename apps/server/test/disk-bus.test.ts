import { describe, expect, it } from 'vitest';
import type { Vm } from '@strata/contract';
import { promptPattern } from './api-client.js';
import { serverPerFile } from './server-per-file.js';
import { ConsoleClient } from './console-client.js';

const { server, api } = serverPerFile();

describe('disk buses besides virtio-blk: IDE and SCSI', () => {
  it.each([
    ['ide', 'ata_piix'],
    ['scsi', 'virtio_scsi'],
  ] as const)('boots the default guest from a disk on the %s bus', async (bus, driver) => {
    const vm = (await api<Vm>('POST', '/vms', { name: `on-${bus}`, diskBus: bus })).body;
    expect(vm.disks[0]!.bus).toBe(bus);
    expect((await api<Vm>('POST', `/vms/${vm.id}/start`)).body.state).toBe('running');
    const viewer = await ConsoleClient.open(server().url, vm.id);
    await viewer.waitFor(promptPattern, 90_000);
    const mark = viewer.output.length;
    viewer.send(`awk '$2 == "/" {print $1}' /proc/mounts; readlink /sys/block/sda/device/driver; ls -d /sys/bus/*/drivers/${driver}\r`);
    await viewer.waitFor(/\/dev\/sda\r\n/, 20_000, mark);
    await viewer.waitFor(new RegExp(`/sys/bus/\\w+/drivers/${driver}\\r\\n`), 20_000, mark);
    viewer.close();
    expect((await api<Vm>('POST', `/vms/${vm.id}/stop`)).body.state).toBe('stopped');
  });
});
