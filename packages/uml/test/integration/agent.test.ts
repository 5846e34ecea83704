import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDefaults, type LaunchPlan } from '@strata/core';
import { protectShareRoots } from '@strata/host';
import { ensureGuestImage } from '@strata/guest';
import { agentScratch, DISK_BYTES, seqWriteRead } from '../../../guest/test/agent-harness.js';
import { createUmlDriver } from '../../src/uml-driver.js';
import type { UmlProcess } from '../../src/uml-process.js';

const cacheDir = join(process.cwd(), '.cache');
const owner = { uid: 60123, gid: 60123 };
let vm: UmlProcess | undefined;
const { work, shareRoot } = agentScratch('strata-uml-agent-', () => vm);

describe('the benchmark agent of the default guest under real UML', () => {
  it('answers on serial line 1 across the sandbox: mounts hostfs, finds a ubd disk by size, runs fio; a killed kernel fails the pending call', async () => {
    const guest = await ensureGuestImage(cacheDir);
    const base = join(work, 'base.raw');
    execFileSync('cp', ['--sparse=always', guest.rootRaw, base]);
    const scratch = join(work, 'scratch.raw');
    execFileSync('truncate', ['-s', String(DISK_BYTES), scratch]);
    mkdirSync(join(shareRoot, 'bench'), { recursive: true });
    await protectShareRoots([shareRoot]);
    const dir = join(work, 'vm');

    const plan: LaunchPlan = {
      vm: withDefaults({
        id: 'umlagent',
        name: 'umlagent',
        hypervisor: 'uml',
        state: 'starting',
        imageId: 'x',
        cpu: { sockets: 1, cores: 1, threads: 1 },
        memoryMiB: 256,
        accelerator: 'tcg',
      }),
      accelerator: 'tcg',
      dir,
      disks: [
        { id: 'disk0', path: join(dir, 'disks', 'top.cow'), format: 'uml-cow', bus: 'virtio', backing: base },
        { id: 'disk1', path: scratch, format: 'raw', bus: 'virtio' },
      ],
      boot: null,
      cdrom: null,
      shares: [
        { shareId: 's1', transport: 'hostfs', tag: 'bench', readonly: false, options: {}, path: join(shareRoot, 'bench'), root: shareRoot },
      ],
      agent: true,
    };
    const started = Date.now();
    vm = (await createUmlDriver({ ...owner, shareRoots: [shareRoot] }).launch(plan)) as UmlProcess;
    const agent = vm.agent!;
    expect(agent).toBeDefined();
    expect(await agent.call({ op: 'ping' }, { timeoutMs: 60_000 })).toEqual({ ok: true });
    console.log(`agent answered ${((Date.now() - started) / 1000).toFixed(1)} s after UML started`);
    // The agent's line is the kernel's serial line 1, never the console.
    expect(JSON.parse(readFileSync(join(dir, 'uml.argv.json'), 'utf8'))).toEqual(expect.arrayContaining(['strata.agent=/dev/ttyS1']));

    const lines: string[] = [];
    expect(await agent.call({ op: 'mount', transport: 'hostfs', tag: 'bench', options: '' }, { timeoutMs: 30_000 })).toEqual({ ok: true });
    const direct = await agent.call(
      { op: 'fio', path: '/bench/bench/fio.dat', rw: 'write', blockSize: 65536, sizeMiB: 4, direct: true, runtimeSec: 30 },
      { timeoutMs: 60_000 },
    );
    // hostfs has no O_DIRECT: fio says so, and the service drops caches instead.
    expect(direct).toMatchObject({ ok: false, error: expect.stringMatching(/direct/i) });
    lines.push(`hostfs direct=1: ${direct.ok ? 'works' : direct.error}`);
    lines.push(`hostfs: ${await seqWriteRead(agent, '/bench/bench/fio.dat', false)}`);
    expect(await agent.call({ op: 'dropcaches' }, { timeoutMs: 30_000 })).toEqual({ ok: true });

    expect(await agent.call({ op: 'device', sizeBytes: DISK_BYTES }, { timeoutMs: 30_000 })).toEqual({ ok: true, path: '/dev/ubdb' });
    lines.push(`ubd: ${await seqWriteRead(agent, '/dev/ubdb', true)}`);
    console.log(lines.join('\n'));

    const pending = agent.call(
      { op: 'fio', path: '/dev/ubdb', rw: 'randread', blockSize: 4096, sizeMiB: 64, direct: true, runtimeSec: 60 },
      { timeoutMs: 90_000 },
    );
    const outcome = pending.then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const kernel = vm.kernelPid();
    expect(kernel).not.toBeNull();
    const killed = Date.now();
    process.kill(kernel!, 'SIGKILL');
    expect(await outcome).toMatch(/the guest stopped answering: UML exited/);
    expect(Date.now() - killed).toBeLessThan(5000);
    await expect(agent.call({ op: 'ping' }, { timeoutMs: 1000 })).rejects.toThrow(/UML exited/);
  }, 240_000);
});
