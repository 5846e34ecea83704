import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostInfo } from '@strata/contract';
import { isActive, vcpuCount, type HostProvider, type VmRepository } from '@strata/core';
import { parseMeminfo, probeStaticHost, type StaticHostInfo } from '@strata/host';
import { probeKvm, type KvmVerdict } from '@strata/qemu';

export interface KvmProbeInput {
  kernel: string;
  initrd: string;
  marker: string;
  guestHash: string;
}

interface CachedVerdict extends KvmVerdict {
  key: string;
  probedAt: string;
}

export type HostService = HostProvider & { reprobe(): Promise<HostInfo> };

/**
 * The host's capabilities. The KVM verdict comes from a real test boot and is cached in the cache
 * directory, keyed by boot id, QEMU version and guest recipe: it cannot change without one of them.
 */
export async function createHostService(opts: {
  vms: VmRepository;
  cacheDir: string;
  guest: KvmProbeInput;
  probeTimeoutMs: number;
  log: (m: string) => void;
}): Promise<HostService> {
  const base: StaticHostInfo = await probeStaticHost();
  const cacheFile = join(opts.cacheDir, 'kvm-probe.json');
  const bootId = existsSync('/proc/sys/kernel/random/boot_id') ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : '';
  const key = JSON.stringify([bootId, base.tools.qemu, opts.guest.guestHash, existsSync('/dev/kvm')]);

  const probe = async (): Promise<CachedVerdict> => {
    opts.log('probing KVM with a test boot of the default guest');
    const verdict = await probeKvm(opts.guest, opts.probeTimeoutMs);
    const cached = { ...verdict, key, probedAt: new Date().toISOString() };
    writeFileSync(cacheFile, JSON.stringify(cached));
    opts.log(`KVM ${verdict.present ? 'present' : 'absent'}, ${verdict.usable ? 'usable' : 'not usable'}: ${verdict.reason}`);
    return cached;
  };

  let kvm: CachedVerdict | undefined;
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as CachedVerdict;
    if (cached.key === key) kvm = cached;
  } catch {
    // no cached verdict yet
  }
  kvm ??= await probe();

  const info = async (): Promise<HostInfo> => {
    const running = opts.vms.list().filter((v) => isActive(v.state) && v.state !== 'starting');
    const runningVcpus = running.reduce((sum, v) => sum + vcpuCount(v.cpu), 0);
    const memory = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
    return {
      hostname: base.hostname,
      kernel: base.kernel,
      cpu: base.cpu,
      memory,
      numaNodes: base.numaNodes,
      tools: base.tools,
      accelerator: {
        kvm: { present: kvm!.present, usable: kvm!.usable, reason: kvm!.reason, probedAt: kvm!.probedAt },
        selected: kvm!.usable ? 'kvm' : 'tcg',
      },
      usage: {
        runningVms: running.length,
        runningVcpus,
        vcpuOvercommit: runningVcpus > base.cpu.logicalCpus,
        assignedMemoryBytes: running.reduce((sum, v) => sum + v.memoryMiB * 1048576, 0),
      },
    };
  };

  return {
    info,
    async reprobe() {
      kvm = await probe();
      return info();
    },
  };
}
