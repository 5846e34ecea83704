import { Type, type Static } from 'typebox';
import { VmShare } from './shares.js';
import {
  MEMORY_MIB_MAX,
  MEMORY_MIB_MIN,
  SHUTDOWN_TIMEOUT_SEC_MAX,
  SHUTDOWN_TIMEOUT_SEC_MIN,
  SYSRQ_KEY_PATTERN,
  VCPUS_MAX,
  VM_NAME_MAX_LENGTH,
  VM_NAME_PATTERN,
  VM_NAME_RULE,
} from './vm-rules.js';
import { VmCapabilities } from './capabilities.js';

export const VmState = Type.Union([
  Type.Literal('defined'),
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('paused'),
  Type.Literal('stopping'),
  Type.Literal('stopped'),
  Type.Literal('crashed'),
]);
export type VmState = Static<typeof VmState>;

export const Hypervisor = Type.Union([Type.Literal('qemu'), Type.Literal('uml')]);
export type Hypervisor = Static<typeof Hypervisor>;

export const AcceleratorChoice = Type.Union([Type.Literal('auto'), Type.Literal('kvm'), Type.Literal('tcg')]);
export type AcceleratorChoice = Static<typeof AcceleratorChoice>;

const count = (description: string) => Type.Integer({ minimum: 1, maximum: VCPUS_MAX, description });

export const CpuTopology = Type.Object(
  {
    sockets: count('CPU sockets'),
    cores: count('cores per socket'),
    threads: count('threads per core'),
  },
  { additionalProperties: false },
);
export type CpuTopology = Static<typeof CpuTopology>;

const ShutdownTimeoutSec = Type.Integer({ minimum: SHUTDOWN_TIMEOUT_SEC_MIN, maximum: SHUTDOWN_TIMEOUT_SEC_MAX });

const VmName = Type.String({ minLength: 1, maxLength: VM_NAME_MAX_LENGTH, pattern: VM_NAME_PATTERN, description: VM_NAME_RULE });

/** `errorMessage` (the ajv-errors convention) is what the server answers when the minimum is not met. */
const MemoryMiB = (description: string) =>
  Type.Integer({
    minimum: MEMORY_MIB_MIN,
    maximum: MEMORY_MIB_MAX,
    description,
    errorMessage: { minimum: `must be at least ${MEMORY_MIB_MIN} MiB: less is too little for the guest kernel` },
  });

export const DiskBus = Type.Union([Type.Literal('virtio'), Type.Literal('scsi'), Type.Literal('ide')]);
export type DiskBus = Static<typeof DiskBus>;

export const VmDisk = Type.Object({
  id: Type.String(),
  imageId: Type.String({ description: 'the top (writable) layer of this disk' }),
  bus: DiskBus,
});
export type VmDisk = Static<typeof VmDisk>;

const port = (description: string) => Type.Integer({ minimum: 1, maximum: 65535, description });

export const PortForward = Type.Object(
  {
    protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
    hostPort: port('port on the host, bound to 127.0.0.1'),
    guestPort: port('port in the guest'),
  },
  { additionalProperties: false },
);
export type PortForward = Static<typeof PortForward>;

export const Network = Type.Object(
  {
    mode: Type.Union([Type.Literal('none'), Type.Literal('user')], {
      description: 'user: QEMU user-mode networking (NAT), no host set-up',
    }),
    forwards: Type.Array(PortForward, { maxItems: 32 }),
  },
  { additionalProperties: false },
);
export type Network = Static<typeof Network>;

export const BootOrder = Type.Object(
  {
    order: Type.String({ pattern: '^[acdn]{1,4}$', description: 'firmware boot devices in order: a floppy, c disk, d CD-ROM, n network' }),
    once: Type.Optional(Type.String({ pattern: '^[acdn]{1,4}$', description: 'boot order for the next boot only' })),
    menu: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type BootOrder = Static<typeof BootOrder>;

const VcpuPin = Type.Object(
  {
    index: Type.Integer({ minimum: 0, maximum: VCPUS_MAX - 1 }),
    cpus: Type.Array(Type.Integer({ minimum: 0, maximum: 4095 }), {
      minItems: 1,
      maxItems: 4096,
      description: 'host CPUs this vCPU may run on',
    }),
  },
  { additionalProperties: false },
);

export const Pinning = Type.Object(
  {
    vcpus: Type.Array(VcpuPin, { maxItems: VCPUS_MAX }),
    emulatorCpus: Type.Optional(
      Type.Union([Type.Array(Type.Integer({ minimum: 0, maximum: 4095 }), { minItems: 1 }), Type.Null()], {
        description: "host CPUs for the QEMU process's other threads (I/O, main loop); null leaves them free",
      }),
    ),
  },
  { additionalProperties: false },
);
export type Pinning = Static<typeof Pinning>;

export const VcpuInfo = Type.Object({
  index: Type.Integer(),
  threadId: Type.Integer(),
  affinity: Type.Array(Type.Integer()),
  lastCpu: Type.Integer({ description: 'the host CPU this vCPU thread last ran on (ps -eLo psr)' }),
});
export type VcpuInfo = Static<typeof VcpuInfo>;

/**
 * Settings changed on a running VM that only a start can apply: the values the next start uses.
 * The Vm's own fields stay what the running process has.
 */
export const VmPending = Type.Object(
  {
    name: Type.Optional(Type.String()),
    cpu: Type.Optional(CpuTopology),
    vcpus: Type.Optional(Type.Integer()),
    cpuModel: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    memoryMiB: Type.Optional(Type.Integer()),
    accelerator: Type.Optional(AcceleratorChoice),
    disks: Type.Optional(
      Type.Array(Type.Object({ id: Type.String(), bus: DiskBus }), { description: "each disk's bus at the next start" }),
    ),
    cdrom: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    network: Type.Optional(Network),
    boot: Type.Optional(BootOrder),
    umlMemoryDir: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    umlRootShareId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);
export type VmPending = Static<typeof VmPending>;

export const Vm = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hypervisor: Hypervisor,
  state: VmState,
  image: Type.String({ description: 'the image this VM was created from' }),
  cpu: CpuTopology,
  vcpus: Type.Integer({ description: 'vCPUs online; the topology (sockets × cores × threads) is the maximum' }),
  maxVcpus: Type.Integer(),
  cpuModel: Type.Union([Type.String(), Type.Null()], { description: "QEMU -cpu model; null is QEMU's default" }),
  pinning: Pinning,
  memoryMiB: Type.Integer(),
  balloonMiB: Type.Union([Type.Integer(), Type.Null()], {
    description: 'memory the guest is asked to keep (balloon target); null: all of it',
  }),
  accelerator: AcceleratorChoice,
  runningAccelerator: Type.Union([Type.Literal('kvm'), Type.Literal('tcg'), Type.Null()]),
  disks: Type.Array(VmDisk),
  shares: Type.Array(VmShare),
  cdrom: Type.Union([Type.String(), Type.Null()], { description: 'image id of a raw image inserted in the IDE CD-ROM drive' }),
  network: Network,
  boot: BootOrder,
  shutdownTimeoutSec: Type.Integer(),
  umlMemoryDir: Type.Union([Type.String(), Type.Null()], {
    description: "UML: the directory (TMPDIR) whose file backs guest memory; null: the VM's own directory",
  }),
  umlRootShareId: Type.Union([Type.String(), Type.Null()], {
    description: 'UML: boot with this share as the root file system over hostfs instead of ubd0',
  }),
  shutdownDeadline: Type.Union([Type.String(), Type.Null()], {
    description: 'when a graceful shutdown under way turns into a forced stop',
  }),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  warnings: Type.Array(Type.String()),
  autostart: Type.Boolean({ description: 'started by Strata when it comes up after the host booted (in creation order)' }),
  pending: Type.Union([VmPending, Type.Null()], {
    description: 'changes saved while the VM runs that apply at its next start (a restart); null when there are none',
  }),
  capabilities: VmCapabilities,
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
});
export type Vm = Static<typeof Vm>;

const UmlMemoryDir = Type.Union([
  Type.String({ minLength: 1, maxLength: 1024, description: 'an existing absolute directory, e.g. a NUMA-local tmpfs' }),
  Type.Null(),
]);

const UmlRootShare = Type.Union([
  Type.String({ minLength: 1, maxLength: 64, description: 'a share holding a whole root file system' }),
  Type.Null(),
]);

export const UmlAction = Type.Object(
  {
    action: Type.Union([
      Type.Literal('halt'),
      Type.Literal('reboot'),
      Type.Literal('cad'),
      Type.Literal('sysrq'),
      Type.Literal('stop'),
      Type.Literal('go'),
    ]),
    key: Type.Optional(
      Type.String({ pattern: SYSRQ_KEY_PATTERN, description: 'sysrq: the key (s sync, u remount read-only, t task states, ...)' }),
    ),
  },
  { additionalProperties: false },
);
export type UmlAction = Static<typeof UmlAction>;

/** What an mconsole action answers: the kernel's reply text and the VM as it is now. */
export const UmlActionResult = Type.Object({ reply: Type.String(), vm: Vm });
export type UmlActionResult = Static<typeof UmlActionResult>;

export const UbdAdd = Type.Object(
  {
    sizeMiB: Type.Integer({
      minimum: 1,
      maximum: 65536,
      description: 'a blank scratch disk in the VM directory, plugged in as the next ubd device',
    }),
  },
  { additionalProperties: false },
);

export const UbdDevice = Type.Object({ device: Type.String(), path: Type.String(), sizeBytes: Type.Number() });
export type UbdDevice = Static<typeof UbdDevice>;

export const VmCreate = Type.Object(
  {
    name: VmName,
    hypervisor: Type.Optional(Hypervisor),
    image: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'image id or name; default strata-mini' })),
    cpu: Type.Optional(CpuTopology),
    vcpus: Type.Optional(
      Type.Integer({ minimum: 1, maximum: VCPUS_MAX, description: 'vCPUs online at boot; default: all of the topology' }),
    ),
    cpuModel: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }), Type.Null()])),
    memoryMiB: Type.Optional(MemoryMiB('guest memory in MiB')),
    accelerator: Type.Optional(AcceleratorChoice),
    diskBus: Type.Optional(DiskBus),
    cdrom: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()])),
    network: Type.Optional(Network),
    boot: Type.Optional(BootOrder),
    shutdownTimeoutSec: Type.Optional(ShutdownTimeoutSec),
    umlMemoryDir: Type.Optional(UmlMemoryDir),
    umlRootShareId: Type.Optional(UmlRootShare),
    diskSizeGiB: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65536,
        description: "grow the new disk to this size (GiB); at least the image's size. QEMU only: a UML COW file takes its backing's size",
      }),
    ),
  },
  { additionalProperties: false },
);
export type VmCreate = Static<typeof VmCreate>;

/** What can change: all of it while stopped; vcpus (up) and balloonMiB also while running. */
export const VmPatch = Type.Object(
  {
    name: Type.Optional(VmName),
    cpu: Type.Optional(CpuTopology),
    vcpus: Type.Optional(Type.Integer({ minimum: 1, maximum: VCPUS_MAX })),
    cpuModel: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }), Type.Null()])),
    memoryMiB: Type.Optional(MemoryMiB('guest memory in MiB')),
    balloonMiB: Type.Optional(Type.Union([MemoryMiB('memory the guest is asked to keep'), Type.Null()])),
    accelerator: Type.Optional(AcceleratorChoice),
    disks: Type.Optional(
      Type.Array(Type.Object({ id: Type.String({ maxLength: 32 }), bus: DiskBus }, { additionalProperties: false }), { maxItems: 16 }),
    ),
    cdrom: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()])),
    network: Type.Optional(Network),
    boot: Type.Optional(BootOrder),
    shutdownTimeoutSec: Type.Optional(ShutdownTimeoutSec),
    umlMemoryDir: Type.Optional(UmlMemoryDir),
    umlRootShareId: Type.Optional(UmlRootShare),
    autostart: Type.Optional(Type.Boolean({ description: 'start this VM when Strata comes up after the host booted' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type VmPatch = Static<typeof VmPatch>;

export const VmList = Type.Array(Vm);

export const VmLog = Type.Object({ lines: Type.Array(Type.String()) });
