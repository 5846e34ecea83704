import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VmRecord } from '@strata/core';
import { processName, vmPaths } from '../src/argv.js';
import { createQemuDriver } from '../src/qemu-driver.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const vm = { id: 'reattach-test', pid: null } as Pick<VmRecord, 'id' | 'pid'> as VmRecord;

function vmDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'reattach-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A process whose command line names the VM, as QEMU's -name process= does: "ours" to the driver. */
async function standIn(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', processName(vm.id)], { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  await new Promise((resolve) => child.once('spawn', resolve));
  return child;
}

describe('QEMU reattach', () => {
  it('resolves null when there is no process, or the pid is not our QEMU', async () => {
    const dir = vmDir();
    await expect(createQemuDriver().reattach(vm, dir)).resolves.toBeNull();
    writeFileSync(vmPaths(dir).pidFile, `${process.pid}\n`);
    await expect(createQemuDriver().reattach(vm, dir)).resolves.toBeNull();
  });

  it('rejects, naming the reason, when our QEMU runs but its QMP socket does not answer', async () => {
    const dir = vmDir();
    const child = await standIn();
    writeFileSync(vmPaths(dir).pidFile, `${child.pid}\n`);
    const errors: string[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (_f: object, m: string) => errors.push(m), child: () => logger };
    const err = await createQemuDriver({ logger })
      .reattach(vm, dir)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(`QEMU \\(pid ${child.pid}\\) is running but could not be reattached: QMP connect .* failed`),
    );
    expect(errors).toEqual([expect.stringMatching(/does not answer/)]);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await expect(createQemuDriver().reattach(vm, dir)).resolves.toBeNull();
  });
});
