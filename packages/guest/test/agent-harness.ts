// Shared by the QEMU and UML integration tests of the benchmark agent: both drive the same agent
// of this guest, so the scratch space and the fio round trip are the same whatever runs the guest.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import type { AgentReply, GuestAgent } from '@strata/core';
import { releaseShareRoots } from '@strata/host';

export const DISK_BYTES = 64 * 1048576;
export const MiB4 = 4 * 1048576;

/**
 * A scratch directory with a share root in it for one test file. After the file the VM that
 * `running` names is killed first, then the share root's binds are taken back and it all goes.
 */
export function agentScratch(prefix: string, running: () => { forceStop(): Promise<void> } | undefined) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const shareRoot = join(work, 'shares');
  afterAll(async () => {
    await running()
      ?.forceStop()
      .catch(() => undefined);
    await releaseShareRoots([shareRoot], { everyBind: true });
    rmSync(work, { recursive: true, force: true });
  });
  return { work, shareRoot };
}

type FioJob = { read: { io_bytes: number; bw_bytes: number }; write: { io_bytes: number; bw_bytes: number } };

/** fio's own numbers for the one job, from the (untrusted) report. */
function fioSide(reply: AgentReply, side: 'read' | 'write'): { bytes: number; bytesPerSec: number } {
  if (!reply.ok) throw new Error(`fio failed: ${reply.error}`);
  const job = (reply.fio as { jobs: FioJob[] }).jobs[0]!;
  return { bytes: job[side].io_bytes, bytesPerSec: job[side].bw_bytes };
}

const mib = (bytesPerSec: number) => `${(bytesPerSec / 1048576).toFixed(1)} MiB/s`;

/** Writes then reads 4 MiB at `path` with fio in the guest; both sides must move all of it. */
export async function seqWriteRead(agent: GuestAgent, path: string, direct: boolean): Promise<string> {
  const fio = { op: 'fio', path, blockSize: 65536, sizeMiB: 4, direct, runtimeSec: 30 } as const;
  const written = fioSide(await agent.call({ ...fio, rw: 'write' }, { timeoutMs: 60_000 }), 'write');
  const read = fioSide(await agent.call({ ...fio, rw: 'read' }, { timeoutMs: 60_000 }), 'read');
  for (const side of [written, read]) {
    expect(side.bytes).toBe(MiB4);
    expect(side.bytesPerSec).toBeGreaterThan(0);
  }
  return `${path} direct=${direct ? 1 : 0}: write ${mib(written.bytesPerSec)}, read ${mib(read.bytesPerSec)}`;
}
