import type { LaunchPlan, LaunchShare, VmRecord } from '@strata/core';
import { virtiofsdPaths } from './virtiofsd.js';
import { vcpuCount } from '@strata/core';

export const QEMU_BINARY = 'qemu-system-x86_64';

export interface VmPaths {
  qmpSocket: string;
  consoleSocket: string;
  consoleLog: string;
  pidFile: string;
  qemuLog: string;
  /** The benchmark agent's virtio-serial port, when the VM was launched with one. */
  agentSocket: string;
  /** QEMU's VNC server, on a socket in the VM's own directory: never a TCP port anyone could reach. */
  vncSocket: string;
}

export const vmPaths = (dir: string): VmPaths => ({
  qmpSocket: `${dir}/qmp.sock`,
  consoleSocket: `${dir}/console.sock`,
  consoleLog: `${dir}/console.log`,
  pidFile: `${dir}/qemu.pid`,
  qemuLog: `${dir}/qemu.log`,
  agentSocket: `${dir}/agent.sock`,
  vncSocket: `${dir}/vnc.sock`,
});

/** The virtio-serial port's name; the default guest's rcS starts /sbin/strata-agent on it. */
export const AGENT_PORT = 'org.strata.agent';

/** A virtio-serial port of its own for the benchmark agent, never the console. */
export const agentArgs = (paths: VmPaths): string[] => [
  '-device',
  'virtio-serial-pci,id=agentbus',
  '-chardev',
  `socket,id=agent,path=${escapeOption(paths.agentSocket)},server=on,wait=off`,
  '-device',
  `virtserialport,bus=agentbus.0,chardev=agent,name=${AGENT_PORT}`,
];

/** The name QEMU runs under; reattaching checks it in /proc/<pid>/cmdline so a reused pid is never mistaken. */
export const processName = (vmId: string): string => `strata-${vmId}`;

const rootDevice = (bus: string): string => (bus === 'virtio' ? '/dev/vda' : '/dev/sda');

const deviceFor = (bus: string, id: string, drive: string): string => {
  if (bus === 'virtio') return `virtio-blk-pci,drive=${drive},id=${id}`;
  if (bus === 'scsi') return `scsi-hd,drive=${drive},id=${id},bus=scsi0.0`;
  return `ide-hd,drive=${drive},id=${id}`;
};

/** What the guest passes to `mount -t 9p -o trans=virtio,...`. */
export const guestMountOptions = (o: { version: string; msize: number; cache: string }): string =>
  `version=${o.version},msize=${o.msize},cache=${o.cache}`;

const bootOption = (boot: VmRecord['boot']): string =>
  [`order=${boot.order}`, ...(boot.once ? [`once=${boot.once}`] : []), `menu=${boot.menu ? 'on' : 'off'}`].join(',');

/** QEMU options are comma-separated; a comma inside a value is written twice. */
export const escapeOption = (value: string): string => value.replace(/,/g, ',,');

/** QEMU inherits each 9p share's held directory at fd 3, 4, ... in the order of the plan's 9p shares. */
export const FIRST_SHARE_FD = 3;
export const ninepShares = (shares: LaunchShare[]): LaunchShare[] => shares.filter((s) => s.transport === '9p');

/**
 * The -fsdev/-device pair of a 9p share, or the chardev and vhost-user-fs device of a virtiofs one.
 * A 9p share's path is the descriptor QEMU inherited (`childFd`), never the share's name: the name
 * could be swapped for a symlink between the check and QEMU's open.
 */
export function shareArgs(share: LaunchShare, dir: string, childFd?: number): string[] {
  if (share.transport === 'hostfs') throw new Error(`share ${share.tag}: hostfs is UML's; QEMU VMs use 9p or virtiofs`);
  if (share.transport === 'virtiofs') {
    return [
      '-chardev',
      `socket,id=vfs-${share.tag},path=${escapeOption(virtiofsdPaths(dir, share.tag).socket)}`,
      '-device',
      `vhost-user-fs-pci,chardev=vfs-${share.tag},tag=${share.tag},id=fs-${share.tag}`,
    ];
  }
  if (childFd === undefined) throw new Error(`share ${share.tag}: a 9p share is passed to QEMU as a held directory only`);
  const id = `fsdev-${share.tag}`;
  return [
    '-fsdev',
    `local,id=${id},path=/proc/self/fd/${childFd},security_model=${share.options.securityModel}${share.readonly ? ',readonly=on' : ''}`,
    '-device',
    `virtio-9p-pci,fsdev=${id},mount_tag=${share.tag},id=fs-${share.tag}`,
  ];
}

/** The default guest's init mounts `strata.mount=<transport>:<tag>[:<options>]` at /mnt/<tag>. */
const guestMount = (s: LaunchShare): string => {
  if (s.transport === '9p') return `strata.mount=9p:${s.tag}:${guestMountOptions(s.options)}`;
  return `strata.mount=${s.transport}:${s.tag}${s.readonly ? ':ro' : ''}`;
};

/** Builds the QEMU command line for a plan. Pure: it touches no file and starts nothing. */
export function buildQemuArgv(plan: LaunchPlan, binary = QEMU_BINARY): string[] {
  const { vm, dir } = plan;
  const paths = vmPaths(dir);
  const max = vcpuCount(vm.cpu);
  const argv = [
    binary,
    // debug-threads names vCPU and worker threads (the 9p share metric reads the workers).
    '-name',
    `${processName(vm.id)},process=${processName(vm.id)},debug-threads=on`,
    '-machine',
    'pc',
    '-accel',
    plan.accelerator,
    '-smp',
    `cpus=${Math.min(vm.vcpus, max)},sockets=${vm.cpu.sockets},cores=${vm.cpu.cores},threads=${vm.cpu.threads},maxcpus=${max}`,
    ...(vm.cpuModel ? ['-cpu', vm.cpuModel] : []),
    '-m',
    `${vm.memoryMiB}M`,
    // vhost-user (virtiofsd) maps guest memory, so it must live in a shareable memfd.
    ...(plan.shares.some((s) => s.transport === 'virtiofs')
      ? ['-object', `memory-backend-memfd,id=mem,size=${vm.memoryMiB}M,share=on`, '-numa', 'node,memdev=mem']
      : []),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    // The graphical console: a standard VGA card whose screen QEMU serves over VNC on a local
    // socket only; the server bridges it to the browser behind its login and roles.
    '-vga',
    'std',
    '-vnc',
    `unix:${escapeOption(paths.vncSocket)}`,
    '-chardev',
    `socket,id=console,path=${escapeOption(paths.consoleSocket)},server=on,wait=off,logfile=${escapeOption(paths.consoleLog)},logappend=on`,
    '-serial',
    'chardev:console',
    '-qmp',
    `unix:${escapeOption(paths.qmpSocket)},server=on,wait=off`,
    '-pidfile',
    paths.pidFile,
    '-device',
    'virtio-balloon-pci,id=balloon0',
    '-boot',
    bootOption(vm.boot),
  ];
  if (vm.network.mode === 'user') {
    const forwards = vm.network.forwards.map((f) => `,hostfwd=${f.protocol}:127.0.0.1:${f.hostPort}-:${f.guestPort}`).join('');
    argv.push('-netdev', `user,id=net0${forwards}`, '-device', 'virtio-net-pci,netdev=net0,id=nic0');
  }
  if (plan.disks.some((d) => d.bus === 'scsi')) argv.push('-device', 'virtio-scsi-pci,id=scsi0');
  for (const disk of plan.disks) {
    const drive = `drive-${disk.id}`;
    argv.push(
      '-drive',
      `if=none,id=${drive},file=${escapeOption(disk.path)},format=${disk.format},node-name=${disk.id},cache=writeback,aio=io_uring`,
      '-device',
      deviceFor(disk.bus, disk.id, drive),
    );
  }
  const ninep = ninepShares(plan.shares);
  for (const share of plan.shares)
    argv.push(...shareArgs(share, dir, share.transport === '9p' ? FIRST_SHARE_FD + ninep.indexOf(share) : undefined));
  if (plan.agent) argv.push(...agentArgs(paths));
  if (plan.cdrom) {
    argv.push(
      '-drive',
      `if=none,id=drive-cd0,media=cdrom,readonly=on,format=raw,file=${escapeOption(plan.cdrom)}`,
      '-device',
      'ide-cd,drive=drive-cd0,id=cd0',
    );
  }
  if (plan.boot) {
    const root = rootDevice(plan.disks[0]?.bus ?? 'virtio');
    argv.push('-kernel', plan.boot.kernel);
    if (plan.boot.initrd) argv.push('-initrd', plan.boot.initrd);
    // The default guest's init mounts each of these at /mnt/<tag>.
    const mounts = plan.shares.map(guestMount);
    const agent = plan.agent ? [`strata.agent=virtio:${AGENT_PORT}`] : [];
    argv.push(
      '-append',
      // The kernel also prints to the screen (tty0); the LAST console= is /dev/console, so the
      // serial line stays the one init, the shell and the console log use.
      ['console=tty0', 'console=ttyS0', `root=${root}`, 'rw', 'panic=-1', plan.boot.cmdline, ...mounts, ...agent].filter(Boolean).join(' '),
    );
  }
  return argv;
}
