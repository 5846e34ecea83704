import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchHost } from '@strata/contract';
import type { HostProvider } from '@strata/core';

const run = promisify(execFile);

/** The file system type under a directory, as the mount table names it (ext4, xfs, tmpfs, ...). */
async function fileSystemOf(dir: string): Promise<string> {
  try {
    // findmnt names ext4 as ext4 (stat -f says ext2/ext3 for all three).
    const { stdout } = await run('findmnt', ['-n', '-o', 'FSTYPE', '-T', dir], { timeout: 5000 });
    return stdout.trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * What a run's figures depend on: the machine, the hypervisors' versions, and the file systems
 * under the shares and the disk images. `accelerator` starts as what Strata would pick and is
 * replaced by what the first throwaway QEMU guest really ran under.
 */
export async function benchHost(host: HostProvider, dirs: { shares: string; images: string }): Promise<BenchHost> {
  const info = await host.info();
  const [shares, images] = await Promise.all([fileSystemOf(dirs.shares), fileSystemOf(dirs.images)]);
  return {
    hostname: info.hostname,
    kernel: info.kernel,
    cpuModel: info.cpu.model,
    cpus: info.cpu.logicalCpus,
    memBytes: info.memory.totalBytes,
    qemuVersion: info.tools.qemu ?? 'not installed',
    umlVersion: info.tools.umlKernel ?? 'not installed',
    accelerator: info.accelerator.selected,
    fileSystem: shares === images ? shares : `${shares} (shares), ${images} (disk images)`,
  };
}
