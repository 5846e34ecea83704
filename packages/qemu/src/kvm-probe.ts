import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { QEMU_BINARY } from './argv.js';

export interface KvmVerdict {
  present: boolean;
  usable: boolean;
  reason: string;
}

export interface ProbeGuest {
  kernel: string;
  initrd: string;
  marker: string;
}

/**
 * Whether KVM really works: /dev/kvm existing proves nothing (on some hosts guests hang under it),
 * so boot the default guest's kernel under KVM and wait for its initramfs to say it runs.
 */
export async function probeKvm(guest: ProbeGuest, timeoutMs = 20_000, binary = QEMU_BINARY): Promise<KvmVerdict> {
  if (!existsSync('/dev/kvm')) return { present: false, usable: false, reason: '/dev/kvm does not exist' };
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { present: true, usable: false, reason: '/dev/kvm is not readable and writable by this user' };
  }
  const argv = [
    '-accel',
    'kvm',
    '-machine',
    'pc',
    '-m',
    '256M',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    'stdio',
    '-kernel',
    guest.kernel,
    '-initrd',
    guest.initrd,
    '-append',
    'console=ttyS0 strata.probe=1 panic=-1',
  ];
  const started = Date.now();
  return new Promise<KvmVerdict>((resolve) => {
    const child = spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let settled = false;
    const settle = (verdict: KvmVerdict) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(verdict);
    };
    const timer = setTimeout(
      () =>
        settle({
          present: true,
          usable: false,
          reason: `a test boot under KVM did not reach the guest's init within ${timeoutMs / 1000} s (the guest hangs under KVM here)`,
        }),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString('latin1')).slice(-8192);
      if (output.includes(guest.marker)) {
        settle({
          present: true,
          usable: true,
          reason: `a test boot under KVM reached init in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => settle({ present: true, usable: false, reason: `cannot run ${binary}: ${err.message}` }));
    child.on('exit', (code) =>
      settle({
        present: true,
        usable: false,
        reason: `QEMU under KVM exited with ${code} before the guest's init: ${output.trim().split('\n').slice(-2).join(' ')}`,
      }),
    );
  });
}
