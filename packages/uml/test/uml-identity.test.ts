import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { identify, procInfo } from '@strata/host';
import { killSandbox } from '../src/uml-identity.js';

const isRoot = process.getuid?.() === 0;

/** A process that has ended (reaped): its identity names nothing now, as a killed bubblewrap's does. */
async function endedIdentity() {
  const child = spawn('sleep', ['60']);
  const id = identify(child.pid!)!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return id;
}

describe('killSandbox', () => {
  // The sandbox's init runs as root; a stand-in for it can only be one when the tests run as root.
  it.skipIf(!isRoot)('kills the recorded init even when bubblewrap is gone and it has another parent', async () => {
    const bwrap = await endedIdentity();
    // The init stand-in is the test's child, not bubblewrap's: as a reparented init is.
    const init = spawn('sleep', ['60']);
    const exited = new Promise((resolve) => init.once('exit', resolve));
    const initId = identify(init.pid!)!;
    expect(procInfo(init.pid!)?.ppid).not.toBe(bwrap.pid);
    await killSandbox({ bwrap, init: initId, kernel: { pid: 0, startTime: -1 } }, 2000);
    await exited;
    expect(init.signalCode).toBe('SIGKILL');
  });

  it('signals no process whose start time differs from the record (a reused pid)', async () => {
    const bwrap = await endedIdentity();
    const other = spawn('sleep', ['60']);
    const id = identify(other.pid!)!;
    await killSandbox({ bwrap, init: { pid: id.pid, startTime: id.startTime + 1 }, kernel: { pid: 0, startTime: -1 } }, 2000);
    expect(procInfo(other.pid!)).not.toBeNull();
    other.kill('SIGKILL');
  });
});
