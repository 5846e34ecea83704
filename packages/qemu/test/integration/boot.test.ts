import { createConnection } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningVm } from '@strata/core';
import { ensureGuestImage, PROMPT } from '@strata/guest';
import { createOverlay, createQemuDriver, imageInfo } from '../../src/index.js';
import { isOurQemu } from '../../src/qemu-process.js';
import { guestPlan } from './guest-plan.js';

const cacheDir = join(process.cwd(), '.cache');
const work = mkdtempSync(join(tmpdir(), 'strata-boot-'));
let vm: RunningVm | undefined;
afterAll(async () => {
  await vm?.forceStop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

/** Reads the serial socket until `text` appears; resolves with everything read. */
function readUntil(socketPath: string, send: string | null, text: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let seen = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no '${text}' in: ${seen.slice(-400)}`));
    }, timeoutMs);
    socket.on('connect', () => send !== null && socket.write(send));
    socket.on('data', (d) => {
      seen += d.toString('latin1');
      if (seen.includes(text)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(seen);
      }
    });
    socket.on('error', reject);
  });
}

describe('the default guest under real QEMU', () => {
  it('boots from its own overlay, gives a shell on the serial console, and stops', async () => {
    const guest = await ensureGuestImage(cacheDir);
    const top = join(work, 'top.qcow2');
    const info = await createOverlay(guest.rootQcow2, 'qcow2', top);
    expect(info['backing-filename']).toBe(guest.rootQcow2);
    expect((await imageInfo(top, 'qcow2'))['virtual-size']).toBe((await imageInfo(guest.rootQcow2, 'qcow2'))['virtual-size']);

    const plan = guestPlan('boottest', work, guest, { disks: [{ id: 'disk0', path: top, format: 'qcow2', bus: 'virtio' }], shares: [] });
    const started = Date.now();
    vm = await createQemuDriver().launch(plan);
    expect(isOurQemu(vm.pid, 'strata-boottest')).toBe(true);
    const prompt = PROMPT.replace('\\w', '~');
    await readUntil(vm.console.socketPath!, null, prompt, 90_000);
    const bootSeconds = (Date.now() - started) / 1000;
    console.log(`default guest: QEMU start to shell prompt in ${bootSeconds.toFixed(1)} s (TCG)`);

    const answer = await readUntil(vm.console.socketPath!, 'echo $((6 * 7)) > /root/answer; cat /root/answer\n', '42\r\n', 20_000);
    expect(answer).toMatch(/\r?\n42\r?\n/);
    expect(readFileSync(vm.console.logPath, 'utf8')).toContain('strata-mini: ready');

    let exit: { clean: boolean } | undefined;
    vm.onExit((info) => (exit = info));
    await vm.forceStop();
    expect(exit?.clean).toBe(true);
    expect(isOurQemu(vm.pid, 'strata-boottest')).toBe(false);
  });
});
