import { Type, type Static } from 'typebox';

export const ImageFormat = Type.Union([
  Type.Literal('qcow2'), Type.Literal('raw'), Type.Literal('uml-cow'),
  Type.Literal('vdi'), Type.Literal('vmdk'), Type.Literal('vpc'), Type.Literal('vhdx'),
]);
export type ImageFormat = Static<typeof ImageFormat>;

export const ImageUse = Type.Object({
  vmId: Type.String(),
  role: Type.Union([Type.Literal('writable'), Type.Literal('backing')]),
});

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
  modes: Type.Array(Type.Object({
    mode: MergeMode,
    allowed: Type.Boolean(),
    reason: Type.String({ description: 'what it does, or why it is refused' }),
    spaceNeeded: Type.Number({ description: 'bytes of new files at most' }),
    invalidates: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  })),
  freeSpace: Type.Number(),
});
export type MergePlan = Static<typeof MergePlan>;
