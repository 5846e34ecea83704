import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HostInfo, Image, VcpuInfo, Vm } from '@strata/contract';
import { promptPattern } from './api-client.js';
import { serverPerFile } from './server-per-file.js';
import { ConsoleClient } from './console-client.js';

const { server, api, waitForState, closeAtEnd } = serverPerFile();
let vm: Vm;
let viewer: ConsoleClient;

const sh = (command: string, timeoutMs?: number) => viewer.run(command, timeoutMs);

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('QEMU VM controls (topology, hot-plug, pinning, balloon, port forwards), with real QEMU', () => {
  let hostPort: number;

  it('refuses bad topologies, pins and models with the field named, and starts nothing', async () => {
    const tooMany = await api<{ field: string; message: string }>('POST', '/vms', {
      name: 'x',
      cpu: { sockets: 2, cores: 1, threads: 1 },
      vcpus: 3,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ field: 'body.vcpus' });
    expect(tooMany.body.message).toMatch(/sockets × cores × threads = 2 is the maximum/);
    const model = await api<{ field: string }>('POST', '/vms', { name: 'x', cpuModel: 'NoSuchCpu' });
    expect(model.status).toBe(400);
    expect(model.body.field).toBe('body.cpuModel');
    const models = (await api<{ models: { name: string }[] }>('GET', '/host/cpu-models')).body.models.map((m) => m.name);
    expect(models).toContain('qemu64');
    expect(models).toContain('Broadwell-v1');
    const dupe = await api<{ field: string }>('POST', '/vms', {
      name: 'x',
      network: {
        mode: 'user',
        forwards: [
          { protocol: 'tcp', hostPort: 2000, guestPort: 1 },
          { protocol: 'tcp', hostPort: 2000, guestPort: 2 },
        ],
      },
    });
    expect(dupe.body.field).toBe('body.network.forwards.1.hostPort');
    const qcowAsCd = await api<{ field: string; message: string }>('POST', '/vms', { name: 'x', cdrom: 'mini-nope' });
    expect(qcowAsCd.body.field).toBe('body.cdrom');
    expect((await api<Vm[]>('GET', '/vms')).body).toEqual([]);
  });

  it('refuses to start a VM that asks for KVM where the host probe found KVM unusable', async () => {
    const host = (await api<HostInfo>('GET', '/host')).body;
    const kvm = (await api<Vm>('POST', '/vms', { name: 'wants-kvm', accelerator: 'kvm' })).body;
    const res = await api<{ code: string; message: string }>('POST', `/vms/${kvm.id}/start`);
    if (host.accelerator.kvm.usable) {
      expect(res.status).toBe(200);
      await api('POST', `/vms/${kvm.id}/stop`);
    } else {
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('kvm_unusable');
      expect(res.body.message).toContain(host.accelerator.kvm.reason);
      expect((await api<Vm>('GET', `/vms/${kvm.id}`)).body).toMatchObject({ state: 'defined', pid: null });
    }
    expect((await api('DELETE', `/vms/${kvm.id}`)).status).toBe(204);
  });

  it('edits a stopped VM, then boots it with 1 of 2 vCPUs, a CPU model and a port forward', async () => {
    hostPort = await freePort();
    vm = (await api<Vm>('POST', '/vms', { name: 'ctl', cpu: { sockets: 1, cores: 1, threads: 1 } })).body;
    const rawBase = (await api<Image[]>('GET', '/images')).body.find((i) => i.name === 'strata-mini-raw')!;
    const edited = await api<Vm>('PATCH', `/vms/${vm.id}`, {
      cdrom: rawBase.id,
      name: 'ctl2',
      cpu: { sockets: 2, cores: 1, threads: 1 },
      vcpus: 1,
      cpuModel: 'qemu64',
      shutdownTimeoutSec: 5,
      network: { mode: 'user', forwards: [{ protocol: 'tcp', hostPort, guestPort: 8000 }] },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      name: 'ctl2',
      vcpus: 1,
      maxVcpus: 2,
      cpuModel: 'qemu64',
      shutdownTimeoutSec: 5,
      cdrom: rawBase.id,
    });
    const badPin = await api<{ field: string }>('PUT', `/vms/${vm.id}/pinning`, { vcpus: [{ index: 0, cpus: [99] }] });
    expect(badPin.status).toBe(400);
    expect(badPin.body.field).toBe('body.vcpus.0.cpus');
    expect((await api<{ field: string }>('PUT', `/vms/${vm.id}/pinning`, { vcpus: [{ index: 2, cpus: [0] }] })).body.field).toBe(
      'body.vcpus.0.index',
    );
    expect((await api('POST', `/vms/${vm.id}/pause`)).status).toBe(409);

    expect((await api<Vm>('POST', `/vms/${vm.id}/start`)).body.state).toBe('running');
    viewer = closeAtEnd(await ConsoleClient.open(server().url, vm.id));
    await viewer.waitFor(promptPattern, 90_000);
    expect((await sh('grep -c ^processor /proc/cpuinfo')).trim()).toBe('1');
    // The CD-ROM holds the raw ext4 base: its superblock magic 0xEF53 sits at byte 1080 of /dev/sr0.
    expect((await sh('dd if=/dev/sr0 bs=1 skip=1080 count=2 2>/dev/null | od -An -tx1')).trim()).toBe('53 ef');
    expect(readFileSync(`${server().dataDir}/vms/${vm.id}/qemu.argv.json`, 'utf8')).toContain(
      'cpus=1,sockets=2,cores=1,threads=1,maxcpus=2',
    );
  });

  it('keeps an edit that needs a restart as pending, and discards it on request', async () => {
    const res = await api<Vm>('PATCH', `/vms/${vm.id}`, { memoryMiB: 512 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ memoryMiB: 256, pending: { memoryMiB: 512 } });
    expect((await api<Vm>('DELETE', `/vms/${vm.id}/pending`)).body.pending).toBeNull();
  });

  it('hot-plugs the second vCPU; the guest sees two sockets', async () => {
    const res = await api<Vm>('PATCH', `/vms/${vm.id}`, { vcpus: 2 });
    expect(res.body.vcpus).toBe(2);
    const vcpus = (await api<VcpuInfo[]>('GET', `/vms/${vm.id}/vcpus`)).body;
    expect(vcpus.map((v) => v.index)).toEqual([0, 1]);
    await sh('echo 1 > /sys/devices/system/cpu/cpu1/online 2>/dev/null; true');
    expect((await sh('grep -c ^processor /proc/cpuinfo')).trim()).toBe('2');
    expect((await sh("grep '^physical id' /proc/cpuinfo | sort -u | wc -l")).trim()).toBe('2');
    // vCPUs are not unplugged live: fewer waits for the next start, and this test discards it.
    expect((await api<Vm>('PATCH', `/vms/${vm.id}`, { vcpus: 1 })).body).toMatchObject({ vcpus: 2, pending: { vcpus: 1 } });
    expect((await api<Vm>('DELETE', `/vms/${vm.id}/pending`)).body.pending).toBeNull();
  });

  it('pins vCPU 0 to host CPU 1 and the other QEMU threads to CPU 0, as /proc shows', async () => {
    const res = await api<VcpuInfo[]>('PUT', `/vms/${vm.id}/pinning`, { vcpus: [{ index: 0, cpus: [1] }], emulatorCpus: [0] });
    expect(res.status).toBe(200);
    const vcpu0 = res.body.find((v) => v.index === 0)!;
    expect(vcpu0.affinity).toEqual([1]);
    const pid = (await api<Vm>('GET', `/vms/${vm.id}`)).body.pid!;
    const status = readFileSync(`/proc/${pid}/task/${vcpu0.threadId}/status`, 'utf8');
    expect(status).toMatch(/^Cpus_allowed_list:\s+1$/m);
    const main = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
    expect(main).toMatch(/^Cpus_allowed_list:\s+0$/m);
    expect((await api<Vm>('GET', `/vms/${vm.id}`)).body.pinning).toEqual({ vcpus: [{ index: 0, cpus: [1] }], emulatorCpus: [0] });
  });

  it('pauses and resumes; input typed while paused is answered after resume', async () => {
    expect((await api<Vm>('POST', `/vms/${vm.id}/pause`)).body.state).toBe('paused');
    expect((await api('POST', `/vms/${vm.id}/pause`)).status).toBe(409);
    const mark = viewer.output.length;
    viewer.send('echo after-$((3 * 3))\r');
    expect((await api<Vm>('POST', `/vms/${vm.id}/resume`)).body.state).toBe('running');
    await viewer.waitFor(/after-9/, 20_000, mark);
  });

  it('deflates guest memory with the balloon', async () => {
    const before = Number((await sh("awk '/MemTotal/ {print $2}' /proc/meminfo")).trim());
    expect((await api<Vm>('PATCH', `/vms/${vm.id}`, { balloonMiB: 128 })).body.balloonMiB).toBe(128);
    const deadline = Date.now() + 20_000;
    let after = before;
    while (Date.now() < deadline && after >= before - 64 * 1024) {
      after = Number((await sh("awk '/MemTotal/ {print $2}' /proc/meminfo")).trim());
    }
    expect(after).toBeLessThan(before - 64 * 1024);
  });

  it('forwards a host port on 127.0.0.1 into the guest over user-mode networking', async () => {
    await sh('mkdir -p /www && echo strata-net > /www/index.html && httpd -p 8000 -h /www');
    // httpd starts in the background: ask until it answers, a little apart, not in a tight loop.
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${hostPort}/`).then(
            (r) => r.text(),
            () => '',
          ),
        { timeout: 30_000, interval: 200 },
      )
      .toBe('strata-net\n');
  });

  it('resets: the guest boots again from the start', async () => {
    const mark = viewer.output.length;
    expect((await api<Vm>('POST', `/vms/${vm.id}/reset`)).body.state).toBe('running');
    await viewer.waitFor(/strata-initramfs: init reached/, 60_000, mark);
    await viewer.waitFor(promptPattern, 90_000, mark);
  });

  it('shuts down gracefully through the ACPI button', async () => {
    // A long deadline, saved at once on the running VM: a loaded host may take seconds to power down, and only
    // the guest's own "Power down" (never a forced stop) may end this one.
    expect((await api<Vm>('PATCH', `/vms/${vm.id}`, { shutdownTimeoutSec: 120 })).body).toMatchObject({ shutdownTimeoutSec: 120 });
    const res = await api<Vm>('POST', `/vms/${vm.id}/shutdown`);
    expect(res.body.state).toBe('stopping');
    expect(Date.parse(res.body.shutdownDeadline!)).toBeGreaterThan(Date.now() + 100_000);
    const stopped = await waitForState(vm.id, 'stopped', 100_000);
    expect(stopped.lastError).toBeNull();
    expect(readFileSync(`${server().dataDir}/vms/${vm.id}/console.log`, 'utf8')).toMatch(/reboot: Power down/);
    expect((await api<Vm>('PATCH', `/vms/${vm.id}`, { shutdownTimeoutSec: 5 })).body.shutdownTimeoutSec).toBe(5);
  });

  it('forces the stop when the guest ignores the button past the deadline', async () => {
    const log = `${server().dataDir}/vms/${vm.id}/console.log`;
    const before = readFileSync(log, 'utf8').length;
    await api('POST', `/vms/${vm.id}/start`);
    viewer.close();
    viewer = closeAtEnd(await ConsoleClient.open(server().url, vm.id));
    await expect.poll(() => readFileSync(log, 'utf8').slice(before), { timeout: 90_000 }).toMatch(promptPattern);
    await sh('killall acpid; echo acpid-gone');
    const asked = Date.now();
    expect((await api<Vm>('POST', `/vms/${vm.id}/shutdown`)).body.state).toBe('stopping');
    const stopped = await waitForState(vm.id, 'stopped', 15_000);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(4_500);
    expect(stopped.shutdownDeadline).toBeNull();
  });
});
