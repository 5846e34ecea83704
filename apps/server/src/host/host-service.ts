import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostInfo } from '@strata/contract';
import { isActive, type HostProvider, type VmRepository } from '@strata/core';
import { bridgeAvailability, parseMeminfo, probeStaticHost, readKsm, type StaticHostInfo } from '@strata/host';
import { listCpuModels, probeKvm, type KvmVerdict } from '@strata/qemu';

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

/** What the share transports can do with the tools found on this host (facts.md: virtiofsd 7.2). */
const shareSupport = (tools: StaticHostInfo['tools'], roots: string[]): HostInfo['shares'] => ({
  roots,
  virtiofs: tools.virtiofsd
    ? { available: true, reason: `virtiofsd ${tools.virtiofsd}, one daemon per share per VM run` }
    : { available: false, reason: 'virtiofsd is not installed (Debian: the qemu-system-common package)' },
  virtiofsReadonly: tools.bwrap
    ? {
        available: true,
        reason:
          'virtiofsd has no read-only switch; Strata runs it in a private mount namespace (bubblewrap) where the share is a read-only bind mount',
      }
    : {
        available: false,
        reason: 'virtiofsd has no read-only switch and bubblewrap, which Strata uses for a read-only bind mount, is not installed',
      },
  dax: {
    available: false,
    reason: "QEMU 7.2's vhost-user-fs-pci has no cache-size property, so there is no DAX window; pages are copied through the FUSE queue",
  },
});

export type HostService = HostProvider & {
  reprobe(): Promise<HostInfo>;
  cpuModelList(): Promise<{ name: string; description: string }[]>;
};

/**
 * The host's capabilities. The KVM verdict comes from a real test boot and is cached in the cache
 * directory, keyed by boot id, QEMU version and guest recipe: it cannot change without one of them.
 */
export async function createHostService(opts: {
  vms: VmRepository;
  cacheDir: string;
  guest: KvmProbeInput;
  probeTimeoutMs: number;
  shareRoots: string[];
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
    const runningVcpus = running.reduce((sum, v) => sum + v.vcpus, 0);
    const assignedMemoryBytes = running.reduce((sum, v) => sum + v.memoryMiB * 1048576, 0);
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
      ksm: readKsm(),
      network: {
        user: {
          available: true,
          reason: 'QEMU user-mode networking (NAT) needs no host set-up; reach guests through port forwards on 127.0.0.1',
        },
        bridge: bridgeAvailability(),
      },
      shares: shareSupport(base.tools, opts.shareRoots),
      usage: {
        runningVms: running.length,
        runningVcpus,
        vcpuOvercommit: runningVcpus > base.cpu.logicalCpus,
        assignedMemoryBytes,
        memoryOvercommit: assignedMemoryBytes > memory.totalBytes,
      },
    };
  };

  let models: Promise<{ name: string; description: string }[]> | undefined;
  const cpuModelList = () => (models ??= listCpuModels());

  return {
    info,
    cpuModelList,
    async cpuModels() {
      return (await cpuModelList()).map((m) => m.name);
    },
    async reprobe() {
      kvm = await probe();
      return info();
    },
  };
}
