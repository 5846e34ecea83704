import { Type, type Static } from 'typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const Accelerator = Type.Union([Type.Literal('kvm'), Type.Literal('tcg')]);
export type Accelerator = Static<typeof Accelerator>;

export const HostInfo = Type.Object({
  hostname: Type.String(),
  kernel: Type.String(),
  cpu: Type.Object({
    model: Type.String(),
    sockets: Type.Integer(),
    coresPerSocket: Type.Integer(),
    threadsPerCore: Type.Integer(),
    logicalCpus: Type.Integer(),
    hyperThreading: Type.Boolean(),
    virtualization: Type.Union([Type.Literal('vmx'), Type.Literal('svm'), Type.Null()]),
    ept: Type.Boolean(),
    vpid: Type.Boolean(),
  }),
  memory: Type.Object({ totalBytes: Type.Number(), availableBytes: Type.Number() }),
  numaNodes: Type.Array(Type.Object({ id: Type.Integer(), cpus: Type.String(), memTotalBytes: Type.Number() })),
  accelerator: Type.Object({
    kvm: Type.Object({
      present: Type.Boolean(),
      usable: Type.Boolean(),
      reason: Type.String(),
      probedAt: Type.Union([Type.String(), Type.Null()]),
    }),
    selected: Accelerator,
  }),
  tools: Type.Object({
    qemu: Nullable(Type.String()),
    qemuImg: Nullable(Type.String()),
    virtiofsd: Nullable(Type.String()),
    umlKernel: Nullable(Type.String()),
    umlMoo: Nullable(Type.String()),
    bwrap: Nullable(Type.String()),
  }),
  shares: Type.Object({
    roots: Type.Array(Type.String(), { description: 'STRATA_SHARE_ROOTS: every share lives under one of these' }),
    virtiofs: Type.Object({ available: Type.Boolean(), reason: Type.String() }),
    virtiofsReadonly: Type.Object({ available: Type.Boolean(), reason: Type.String() }),
    dax: Type.Object({ available: Type.Boolean(), reason: Type.String() }),
  }),
  ksm: Type.Object({
    available: Type.Boolean(),
    running: Type.Boolean(),
    pagesShared: Type.Number(),
    pagesSharing: Type.Number(),
  }),
  network: Type.Object({
    user: Type.Object({ available: Type.Boolean(), reason: Type.String() }),
    bridge: Type.Object({ available: Type.Boolean(), reason: Type.String() }),
  }),
  usage: Type.Object({
    runningVms: Type.Integer(),
    runningVcpus: Type.Integer(),
    vcpuOvercommit: Type.Boolean(),
    assignedMemoryBytes: Type.Number(),
    memoryOvercommit: Type.Boolean(),
  }),
});
export type HostInfo = Static<typeof HostInfo>;

export const CpuModels = Type.Object({
  models: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
  note: Type.String(),
});
export type CpuModels = Static<typeof CpuModels>;
