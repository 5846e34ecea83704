import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningVm } from '@strata/core';
import { protectShareRoots } from '@strata/host';
import { ensureGuestImage } from '@strata/guest';
import { agentScratch, DISK_BYTES, MiB4, seqWriteRead } from '../../../guest/test/agent-harness.js';
import { createOverlay, createQemuDriver } from '../../src/index.js';
import { isOurQemu } from '../../src/qemu-process.js';
import { guestPlan } from './guest-plan.js';

const cacheDir = join(process.cwd(), '.cache');
let vm: RunningVm | undefined;
const { work, shareRoot } = agentScratch('strata-agent-', () => vm);

describe('the benchmark agent of the default guest under real QEMU', () => {
  it('answers on its virtio-serial port: mounts 9p and virtiofs, finds disks by size, runs fio; a killed QEMU fails the pending call', async () => {
    const guest = await ensureGuestImage(cacheDir);
    const top = join(work, 'top.qcow2');
    await createOverlay(guest.rootQcow2, 'qcow2', top);
    // One disk on each bus, told apart by size.
    const scratch = (name: string, bytes: number) => {
      const path = join(work, `${name}.qcow2`);
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, String(bytes)]);
      return path;
    };
    mkdirSync(join(shareRoot, 'bench'), { recursive: true });
    mkdirSync(join(shareRoot, 'fast'), { recursive: true });
    await protectShareRoots([shareRoot]);

    const plan = guestPlan('agenttest', work, guest, {
      disks: [
        { id: 'disk0', path: top, format: 'qcow2', bus: 'virtio' },
        { id: 'disk1', path: scratch('blk', DISK_BYTES), format: 'qcow2', bus: 'virtio' },
        { id: 'disk2', path: scratch('scsi', DISK_BYTES + MiB4), format: 'qcow2', bus: 'scsi' },
        { id: 'disk3', path: scratch('ide', DISK_BYTES + 2 * MiB4), format: 'qcow2', bus: 'ide' },
      ],
      shares: [
        {
          shareId: 's1',
          transport: '9p',
          tag: 'bench',
          readonly: false,
          options: { version: '9p2000.L', msize: 524288, securityModel: 'mapped-xattr', cache: 'none' },
          path: join(shareRoot, 'bench'),
          root: shareRoot,
        },
        {
          shareId: 's2',
          transport: 'virtiofs',
          tag: 'fast',
          readonly: false,
          options: { cache: 'auto', xattr: false, posixAcl: false, threadPoolSize: 0, writeback: false },
          path: join(shareRoot, 'fast'),
          root: shareRoot,
        },
      ],
      agent: true,
    });
    const started = Date.now();
    vm = await createQemuDriver().launch(plan);
    const agent = vm.agent!;
    expect(agent).toBeDefined();
    expect(await agent.call({ op: 'ping' }, { timeoutMs: 90_000 })).toEqual({ ok: true });
    console.log(`agent answered ${((Date.now() - started) / 1000).toFixed(1)} s after QEMU started (TCG)`);

    // A request the guest would refuse never leaves the host.
    await expect(agent.call({ op: 'mount', transport: '9p', tag: '../etc', options: '' }, { timeoutMs: 5000 })).rejects.toThrow(/tag/);
    expect(await agent.call({ op: 'mount', transport: '9p', tag: 'nosuchtag', options: '' }, { timeoutMs: 30_000 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/mount failed/),
    });

    const lines: string[] = [];
    expect(await agent.call({ op: 'mount', transport: '9p', tag: 'bench', options: '' }, { timeoutMs: 30_000 })).toEqual({ ok: true });
    lines.push(`9p kernel-default msize: ${await seqWriteRead(agent, '/bench/bench/fio.dat', true)}`);
    const big = { op: 'mount', transport: '9p', tag: 'bench', options: 'msize=1048576' } as const;
    expect(await agent.call(big, { timeoutMs: 30_000 })).toEqual({ ok: true });
    lines.push(`9p msize=1048576: ${await seqWriteRead(agent, '/bench/bench/fio.dat', true)}`);

    expect(await agent.call({ op: 'mount', transport: 'virtiofs', tag: 'fast', options: '' }, { timeoutMs: 30_000 })).toEqual({ ok: true });
    lines.push(`virtiofs cache=auto: ${await seqWriteRead(agent, '/bench/fast/fio.dat', true)}`);

    const device = async (sizeBytes: number) => agent.call({ op: 'device', sizeBytes }, { timeoutMs: 30_000 });
    expect(await device(DISK_BYTES)).toEqual({ ok: true, path: '/dev/vdb' });
    expect(await device(DISK_BYTES + 512)).toMatchObject({ ok: false });
    // The root disk is never offered, whatever its size.
    expect(await device(1024 ** 3)).toMatchObject({ ok: false, error: expect.stringMatching(/no block device/) });
    const scsi = await device(DISK_BYTES + MiB4);
    const ide = await device(DISK_BYTES + 2 * MiB4);
    expect([scsi.ok && scsi.path, ide.ok && ide.path].sort()).toEqual(['/dev/sda', '/dev/sdb']);
    lines.push(`virtio-blk: ${await seqWriteRead(agent, '/dev/vdb', true)}`);
    if (scsi.ok && ide.ok)
      lines.push(`virtio-scsi: ${await seqWriteRead(agent, scsi.path!, true)}`, `ide: ${await seqWriteRead(agent, ide.path!, true)}`);
    expect(await agent.call({ op: 'dropcaches' }, { timeoutMs: 30_000 })).toEqual({ ok: true });
    console.log(lines.join('\n'));

    // A server restart: the new one connects again and finds the agent listening (no second hello).
    vm.detach();
    vm = (await createQemuDriver().reattach({ ...plan.vm, agent: true }, plan.dir))!;
    const again = vm.agent!;
    expect(await again.call({ op: 'ping' }, { timeoutMs: 30_000 })).toEqual({ ok: true });

    // A long run is under way when QEMU dies: the call fails at once, naming the exit.
    const pending = again.call(
      { op: 'fio', path: '/dev/vdb', rw: 'randread', blockSize: 4096, sizeMiB: 64, direct: true, runtimeSec: 60 },
      { timeoutMs: 90_000 },
    );
    const outcome = pending.then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const killed = Date.now();
    process.kill(vm.pid, 'SIGKILL');
    expect(await outcome).toMatch(/the guest stopped answering: QEMU exited/);
    expect(Date.now() - killed).toBeLessThan(5000);
    expect(isOurQemu(vm.pid, 'strata-agenttest')).toBe(false);
    await expect(again.call({ op: 'ping' }, { timeoutMs: 1000 })).rejects.toThrow(/QEMU exited/);
    await expect(agent.call({ op: 'ping' }, { timeoutMs: 1000 })).rejects.toThrow(/closed by the server/);
  }, 300_000);
});
