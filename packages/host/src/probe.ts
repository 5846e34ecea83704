import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { run } from './run.js';
import { parseCpuinfo, parseMeminfo, parseVersion, type CpuTopologyInfo } from './cpuinfo.js';

export interface NumaNode {
  id: number;
  cpus: string;
  memTotalBytes: number;
}

export interface StaticHostInfo {
  hostname: string;
  kernel: string;
  cpu: CpuTopologyInfo;
  memory: { totalBytes: number; availableBytes: number };
  numaNodes: NumaNode[];
  tools: {
    qemu: string | null;
    qemuImg: string | null;
    virtiofsd: string | null;
    umlKernel: string | null;
    umlMoo: string | null;
    bwrap: string | null;
  };
}

export const VIRTIOFSD = '/usr/lib/qemu/virtiofsd';
export const BWRAP = '/usr/bin/bwrap';
/** Debian 12 is merged-/usr: a sandbox sees /usr read-only, and the top-level lib and bin directories are symlinks into it. */
export const BWRAP_MERGED_USR = [
  '--ro-bind',
  '/usr',
  '/usr',
  '--symlink',
  'usr/lib',
  '/lib',
  '--symlink',
  'usr/lib64',
  '/lib64',
  '--symlink',
  'usr/bin',
  '/bin',
];

function readNumaNodes(root = '/sys/devices/system/node'): NumaNode[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => /^node\d+$/.test(d))
    .map((d) => {
      const meminfo = readFileSync(`${root}/${d}/meminfo`, 'utf8');
      const kb = Number(meminfo.match(/MemTotal:\s+(\d+) kB/)?.[1] ?? 0);
      return { id: Number(d.slice(4)), cpus: readFileSync(`${root}/${d}/cpulist`, 'utf8').trim(), memTotalBytes: kb * 1024 };
    })
    .sort((a, b) => a.id - b.id);
}

async function versionOf(argv: string[]): Promise<string | null> {
  try {
    const r = await run(argv, { timeoutMs: 5000 });
    return r.code === 0 ? parseVersion(`${r.stdout}\n${r.stderr}`) : null;
  } catch {
    return null;
  }
}

async function debVersion(pkg: string): Promise<string | null> {
  const r = await run(['dpkg-query', '-W', '-f=${Version}', pkg]).catch(() => null);
  return r && r.code === 0 && r.stdout ? r.stdout : null;
}

export async function probeStaticHost(): Promise<StaticHostInfo> {
  const [qemu, qemuImg, virtiofsd, umlKernel, umlMoo, bwrap] = await Promise.all([
    versionOf(['qemu-system-x86_64', '--version']),
    versionOf(['qemu-img', '--version']),
    existsSync(VIRTIOFSD) ? versionOf([VIRTIOFSD, '--version']) : Promise.resolve(null),
    existsSync('/usr/bin/linux.uml') ? versionOf(['/usr/bin/linux.uml', '--version']) : Promise.resolve(null),
    existsSync('/usr/bin/uml_moo') ? debVersion('uml-utilities') : Promise.resolve(null),
    existsSync(BWRAP) ? versionOf([BWRAP, '--version']) : Promise.resolve(null),
  ]);
  return {
    hostname: hostname(),
    kernel: release(),
    cpu: parseCpuinfo(readFileSync('/proc/cpuinfo', 'utf8')),
    memory: parseMeminfo(readFileSync('/proc/meminfo', 'utf8')),
    numaNodes: readNumaNodes(),
    tools: { qemu, qemuImg, virtiofsd, umlKernel, umlMoo, bwrap },
  };
}
