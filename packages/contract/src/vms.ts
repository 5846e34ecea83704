import { Type, type Static } from 'typebox';

export const VmState = Type.Union([
  Type.Literal('defined'), Type.Literal('starting'), Type.Literal('running'), Type.Literal('paused'),
  Type.Literal('stopping'), Type.Literal('stopped'), Type.Literal('crashed'),
]);
export type VmState = Static<typeof VmState>;

export const Hypervisor = Type.Union([Type.Literal('qemu'), Type.Literal('uml')]);
export type Hypervisor = Static<typeof Hypervisor>;

export const AcceleratorChoice = Type.Union([Type.Literal('auto'), Type.Literal('kvm'), Type.Literal('tcg')]);
export type AcceleratorChoice = Static<typeof AcceleratorChoice>;

const count = (description: string) => Type.Integer({ minimum: 1, maximum: 64, description });

export const CpuTopology = Type.Object(
  {
    sockets: count('CPU sockets'),
    cores: count('cores per socket'),
    threads: count('threads per core'),
  },
  { additionalProperties: false },
);
export type CpuTopology = Static<typeof CpuTopology>;

export const VmName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'letters, digits, dot, dash and underscore; starts with a letter or digit',
});

export const VmDisk = Type.Object({
  id: Type.String(),
  imageId: Type.String({ description: 'the top (writable) layer of this disk' }),
  bus: Type.Union([Type.Literal('virtio'), Type.Literal('scsi'), Type.Literal('ide')]),
});
export type VmDisk = Static<typeof VmDisk>;

export const Vm = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hypervisor: Hypervisor,
  state: VmState,
  image: Type.String({ description: 'the image this VM was created from' }),
  cpu: CpuTopology,
  vcpus: Type.Integer(),
  memoryMiB: Type.Integer(),
  accelerator: AcceleratorChoice,
  runningAccelerator: Type.Union([Type.Literal('kvm'), Type.Literal('tcg'), Type.Null()]),
  disks: Type.Array(VmDisk),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  warnings: Type.Array(Type.String()),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
});
export type Vm = Static<typeof Vm>;

export const VmCreate = Type.Object(
  {
    name: VmName,
    hypervisor: Type.Optional(Hypervisor),
    image: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'image id or name; default strata-mini' })),
    cpu: Type.Optional(CpuTopology),
    memoryMiB: Type.Optional(Type.Integer({ minimum: 16, maximum: 1048576, description: 'guest memory in MiB' })),
    accelerator: Type.Optional(AcceleratorChoice),
  },
  { additionalProperties: false },
);
export type VmCreate = Static<typeof VmCreate>;

export const VmList = Type.Array(Vm);

export const VmLog = Type.Object({ lines: Type.Array(Type.String()) });
