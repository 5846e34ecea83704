import { Type, type Static } from 'typebox';

export const ImageFormat = Type.Union([
  Type.Literal('qcow2'),
  Type.Literal('raw'),
  Type.Literal('uml-cow'),
  Type.Literal('vdi'),
  Type.Literal('vmdk'),
  Type.Literal('vpc'),
  Type.Literal('vhdx'),
]);
/** Formats qemu-img reads and writes; uml-cow is User-Mode Linux's own. */
export const QEMU_FORMATS = ['raw', 'qcow2', 'vdi', 'vmdk', 'vpc', 'vhdx'] as const;
export type ImageFormat = Static<typeof ImageFormat>;

const ImageUse = Type.Object({
  vmId: Type.String(),
  role: Type.Union([Type.Literal('writable'), Type.Literal('backing')]),
});

export const CowInfo = Type.Object({
  version: Type.Integer(),
  broken: Type.Boolean({ description: 'the padded v3 layout of 64-bit builds' }),
  backingFile: Type.String(),
  backingMtime: Type.Integer({ description: 'seconds; UML refuses the COW when the backing file disagrees' }),
  backingSize: Type.Number(),
  sectorSize: Type.Integer(),
  alignment: Type.Integer(),
  bitmapOffset: Type.Number(),
  dataOffset: Type.Number(),
});
export type CowInfo = Static<typeof CowInfo>;

export const Image = Type.Object({
  id: Type.String(),
  name: Type.String(),
  path: Type.String(),
  format: ImageFormat,
  parentId: Type.Union([Type.String(), Type.Null()]),
  virtualSize: Type.Number({ description: 'bytes the guest sees' }),
  allocatedSize: Type.Number({ description: 'bytes the file really takes on disk (du), not its length' }),
  protected: Type.Boolean(),
  valid: Type.Boolean(),
  invalidReason: Type.Union([Type.String(), Type.Null()]),
  usedBy: Type.Array(ImageUse),
  snapshot: Type.Union([Type.Object({ name: Type.String(), description: Type.String(), takenAt: Type.String() }), Type.Null()], {
    description: 'set on a layer that was frozen as a snapshot',
  }),
  ownerVmId: Type.Union([Type.String(), Type.Null()], { description: 'the VM this layer is private to; deleted with it' }),
  cow: Type.Union([CowInfo, Type.Null()], { description: "a UML COW layer's header, as Strata read it" }),
  pendingFirstUse: Type.Boolean({ description: 'a UML COW layer UML creates when the VM first starts' }),
  createdAt: Type.String(),
});
export type Image = Static<typeof Image>;

export const SnapshotBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$' }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type SnapshotBody = Static<typeof SnapshotBody>;

export const RevertBody = Type.Object({ imageId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });
export type RevertBody = Static<typeof RevertBody>;

export const DiskParams = Type.Object(
  { id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), disk: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) },
  { additionalProperties: false },
);

export const MergeMode = Type.Union([Type.Literal('commit'), Type.Literal('stream'), Type.Literal('new-base')]);
export type MergeMode = Static<typeof MergeMode>;

export const MergeBody = Type.Object(
  {
    mode: MergeMode,
    confirmInvalidate: Type.Optional(Type.Boolean({ description: 'commit into a parent that other layers depend on, invalidating them' })),
  },
  { additionalProperties: false },
);
export type MergeBody = Static<typeof MergeBody>;

export const MergePlan = Type.Object({
  imageId: Type.String(),
  vmId: Type.Union([Type.String(), Type.Null()]),
  live: Type.Boolean({ description: 'the VM runs: the merge happens inside QEMU' }),
  modes: Type.Array(
    Type.Object({
      mode: MergeMode,
      allowed: Type.Boolean(),
      reason: Type.String({ description: 'what it does, or why it is refused' }),
      spaceNeeded: Type.Number({ description: 'bytes of new files at most' }),
      bytesWritten: Type.Number({ description: 'bytes the merge writes (and then reads back to verify), about' }),
      estimatedSeconds: Type.Number({ description: 'how long it should take on this host, about' }),
      inPlace: Type.Boolean({ description: 'writes into an existing file (crash-safe: a restart finishes it) instead of a new one' }),
      invalidates: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
    }),
  ),
  freeSpace: Type.Number(),
});
export type MergePlan = Static<typeof MergePlan>;

const DiskFormat = Type.Union([
  Type.Literal('raw'),
  Type.Literal('qcow2'),
  Type.Literal('vdi'),
  Type.Literal('vmdk'),
  Type.Literal('vpc'),
  Type.Literal('vhdx'),
]);

const ImageName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Bytes = Type.Integer({ minimum: 1048576, maximum: 16 * 1024 ** 4, description: 'bytes; at least 1 MiB' });

export const ImageCreate = Type.Object(
  {
    name: ImageName,
    format: Type.Union([Type.Literal('qcow2'), Type.Literal('raw')]),
    sizeBytes: Bytes,
    clusterSize: Type.Optional(Type.Integer({ minimum: 512, maximum: 2097152, description: 'qcow2 cluster size, a power of two' })),
    preallocation: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('metadata'), Type.Literal('falloc'), Type.Literal('full')])),
    lazyRefcounts: Type.Optional(Type.Boolean()),
    compat: Type.Optional(Type.Union([Type.Literal('0.10'), Type.Literal('1.1')])),
  },
  { additionalProperties: false },
);
export type ImageCreate = Static<typeof ImageCreate>;

export const ImageImport = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 4096, description: 'file inside the import directory (STRATA_IMPORT_DIR)' }),
    name: ImageName,
  },
  { additionalProperties: false },
);
export type ImageImport = Static<typeof ImageImport>;

export const ImageConvert = Type.Object({ format: DiskFormat, name: ImageName }, { additionalProperties: false });
export type ImageConvert = Static<typeof ImageConvert>;

export const ImageResize = Type.Object({ sizeBytes: Bytes }, { additionalProperties: false });
export const ImageRebase = Type.Object({ parentId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

export const CheckReport = Type.Object({
  ok: Type.Boolean(),
  errors: Type.Integer(),
  leaks: Type.Integer(),
  report: Type.String(),
});
export type CheckReport = Static<typeof CheckReport>;
