import type { LaunchPlan, LaunchShare } from '@strata/core';
import { BWRAP, BWRAP_MERGED_USR } from '@strata/host';

export const UML_KERNEL = '/usr/bin/linux.uml';
export const SETPRIV = '/usr/bin/setpriv';
/** Where hostfs shares appear inside the sandbox; the kernel's hostfs= points here. */
export const HOSTFS_ROOT = '/strata-hostfs';
/** The root file system's place under hostfs=: a dot name, which no share tag can take. */
const ROOT_DIR = '.root';

/** Read-write in the sandbox: COW files and scratch disks (their paths are in the image records). */
export const DISKS_DIR = 'disks';
/** Read-write in the sandbox, made fresh each start: uml_dir (umid, mconsole) and default guest memory. */
export const RUN_DIR = 'run';

export interface UmlPaths {
  dir: string;
  runDir: string;
  consoleLog: string;
  consoleIn: string;
  pidFile: string;
  mconsole: string;
  disksDir: string;
  memoryDir: string;
}

export const umid = (vmId: string): string => `strata-${vmId}`;

export const umlPaths = (dir: string, vmId: string, memoryDir?: string | null): UmlPaths => ({
  dir,
  runDir: `${dir}/${RUN_DIR}`,
  consoleLog: `${dir}/console.log`,
  consoleIn: `${dir}/console.in`,
  pidFile: `${dir}/uml.pid`,
  mconsole: `${dir}/${RUN_DIR}/${umid(vmId)}/mconsole`,
  disksDir: `${dir}/${DISKS_DIR}`,
  // A directory of its own inside the chosen one: the sandbox sees and the user owns only that.
  memoryDir: memoryDir ? `${memoryDir}/strata-uml-${vmId}` : `${dir}/${RUN_DIR}/mem`,
});

/** Descriptor numbers as bubblewrap inherits them: each bind names the directory Strata holds. */
export interface SandboxFds {
  disks: number;
  run: number;
  /** A memory directory outside run/ (a chosen TMPDIR). */
  memory: number | null;
  /** hostfs share tag → descriptor of its directory. */
  shares: Map<string, number>;
  root: number | null;
  /** Where bubblewrap writes its JSON info ("child-pid": the sandbox's pid 1, the kernel's parent). */
  info: number;
  /** The benchmark agent's end of a socket pair with the server: the guest's serial line 1. */
  agent?: number | null;
}

/** The guest's side of the agent's channel: UML's serial line 1 (ssl1=fd:N). */
export const AGENT_LINE = '/dev/ttyS1';

/** The guest's init mounts `strata.mount=hostfs:<tag>:<path under hostfs=>` at /mnt/<tag>. */
const guestMount = (s: LaunchShare) => `strata.mount=hostfs:${s.tag}:${s.tag}${s.readonly ? ',ro' : ''}`;

export interface UmlLaunchOptions {
  /** Host CPUs for the whole UML process tree (taskset), from the VM's pinning. */
  cpus: number[] | null;
  /** The unprivileged user the kernel runs as, once bubblewrap (as root) has built its namespace. */
  uid: number;
  gid: number;
}

/** Every directory above `paths`, parents first, made 0755 in the sandbox so the user can reach the binds. */
export function ancestors(paths: string[]): string[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) dirs.add(`/${parts.slice(0, i).join('/')}`);
  }
  return [...dirs]
    .filter((d) => !['/usr', '/proc', '/dev'].some((m) => d === m || d.startsWith(`${m}/`)))
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/**
 * The kernel's command line, as UML's documentation gives it: ubdN=COW,BACKING disks, mem=, a
 * umid under the VM's own uml_dir, the console on stdin/stdout, and hostfs= confined to the
 * shares' directory.
 */
export function umlKernelArgv(plan: LaunchPlan, paths: UmlPaths, agentFd: number | null = null): string[] {
  const { vm } = plan;
  if (plan.agent && agentFd === null) throw new Error('the benchmark agent has no descriptor for its serial line');
  // A serial line of its own for the agent, never the console; rcS starts /sbin/strata-agent on it.
  const agent = plan.agent ? [`ssl1=fd:${agentFd}`, `strata.agent=${AGENT_LINE}`] : [];
  const disks = plan.disks.map((d, i) => `ubd${i}=${d.backing ? `${d.path},${d.backing}` : d.path}`);
  const hostfs = plan.shares.filter((s) => s.transport === 'hostfs');
  // hostfs joins hostfs= and the mount's path as text, rootflags= included.
  const root = plan.umlRoot ? ['root=/dev/root', 'rootfstype=hostfs', `rootflags=${ROOT_DIR}`] : ['root=/dev/ubda'];
  return [
    UML_KERNEL,
    `umid=${umid(vm.id)}`,
    `uml_dir=${paths.runDir}`,
    `mem=${vm.memoryMiB}M`,
    ...disks,
    ...root,
    'rw',
    'con=null',
    'con0=fd:0,fd:1',
    'panic=-1',
    ...(hostfs.length > 0 || plan.umlRoot ? [`hostfs=${HOSTFS_ROOT}`] : []),
    ...hostfs.map(guestMount),
    ...agent,
  ];
}

/**
 * hostfs= is not a jail (the kernel joins paths as text), so the kernel runs in a mount namespace
 * holding only /usr (read-only), the VM's disks and run directories, its backing files
 * (read-only), its memory directory and the shares, each at its host path so COW headers name
 * real paths. Whatever the guest reaches through hostfs, it can write nothing the root server
 * later reads or writes by name: the console, pidfile and logs are in the VM directory, which is
 * not bound. Directories come from descriptors (`--bind-fd`), so no path is resolved twice.
 * bubblewrap builds it as root and setpriv then drops to an unprivileged user with no
 * capabilities. Guest root can run code in the kernel's host process (a kernel bug, or hostfs
 * reaching host files), so the sandbox has a network namespace of its own (loopback only: no host
 * services, no abstract sockets; mconsole joins it) and no /proc: through hostfs, /proc/<pid>/mem
 * of its own processes would let the guest rewrite the kernel. UML reads only /proc/cpuinfo (for
 * the host's CPU features), which is bound alone.
 */
export function umlSandboxArgv(plan: LaunchPlan, paths: UmlPaths, options: UmlLaunchOptions, fds: SandboxFds): string[] {
  const backing = [...new Set(plan.disks.flatMap((d) => (d.backing ? [d.backing] : [])))];
  const topsOutside = plan.disks.filter((d) => !d.path.startsWith(`${paths.disksDir}/`)).map((d) => d.path);
  const memory = fds.memory === null ? [] : [paths.memoryDir];
  const hostfs = plan.shares.filter((s) => s.transport === 'hostfs');
  const dirs = [
    ...ancestors([paths.disksDir, paths.runDir, ...memory, ...topsOutside, ...backing]),
    ...(hostfs.length > 0 || plan.umlRoot ? [HOSTFS_ROOT] : []),
  ];
  const fdOf = (tag: string) => {
    const fd = fds.shares.get(tag);
    if (fd === undefined) throw new Error(`share ${tag} has no descriptor`);
    return String(fd);
  };
  const argv = [
    BWRAP,
    '--info-fd',
    String(fds.info),
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...BWRAP_MERGED_USR,
    '--dir',
    '/proc',
    '--ro-bind',
    '/proc/cpuinfo',
    '/proc/cpuinfo',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    ...dirs.flatMap((d) => ['--perms', '0755', '--dir', d]),
    '--bind-fd',
    String(fds.disks),
    paths.disksDir,
    '--bind-fd',
    String(fds.run),
    paths.runDir,
    ...(fds.memory === null ? [] : ['--bind-fd', String(fds.memory), paths.memoryDir]),
    ...topsOutside.flatMap((p) => ['--bind', p, p]),
    ...backing.flatMap((p) => ['--ro-bind', p, p]),
  ];
  for (const share of hostfs) argv.push(share.readonly ? '--ro-bind-fd' : '--bind-fd', fdOf(share.tag), `${HOSTFS_ROOT}/${share.tag}`);
  if (plan.umlRoot) {
    if (fds.root === null) throw new Error('the root share has no descriptor');
    argv.push('--bind-fd', String(fds.root), `${HOSTFS_ROOT}/${ROOT_DIR}`);
  }
  // UML backs guest memory with a file in TMPDIR (UML's documentation: put it on a NUMA-local tmpfs).
  argv.push(
    '--setenv',
    'TMPDIR',
    paths.memoryDir,
    '--chdir',
    paths.runDir,
    '--',
    SETPRIV,
    `--reuid=${options.uid}`,
    `--regid=${options.gid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    ...umlKernelArgv(plan, paths, fds.agent ?? null),
  );
  return options.cpus && options.cpus.length > 0 ? ['taskset', '-c', options.cpus.join(','), ...argv] : argv;
}
