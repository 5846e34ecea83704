import { Type, type Static } from 'typebox';

export const Share = Type.Object({
  id: Type.String(),
  name: Type.String(),
  path: Type.String({ description: 'host directory, resolved (realpath), under one of STRATA_SHARE_ROOTS' }),
  createdAt: Type.String(),
});
export type Share = Static<typeof Share>;

const ShareName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

export const ShareCreate = Type.Object(
  { name: ShareName, path: Type.String({ minLength: 1, maxLength: 8192, description: 'a directory under an allowed root' }) },
  { additionalProperties: false },
);
export type ShareCreate = Static<typeof ShareCreate>;

export const SharePatch = Type.Object({ name: Type.Optional(ShareName) }, { additionalProperties: false, minProperties: 1 });

/** Fields of both transports; which apply to which, and their values, are checked per transport. */
const ShareOptionsInput = Type.Object(
  {
    version: Type.Optional(Type.String({ maxLength: 16 })),
    msize: Type.Optional(Type.Integer()),
    securityModel: Type.Optional(Type.String({ maxLength: 16 })),
    cache: Type.Optional(Type.String({ maxLength: 16 })),
    xattr: Type.Optional(Type.Boolean()),
    posixAcl: Type.Optional(Type.Boolean()),
    threadPoolSize: Type.Optional(Type.Integer()),
    writeback: Type.Optional(Type.Boolean()),
    dax: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description:
      '9p: version, msize, securityModel, cache (none|loose|fscache|mmap); virtiofs: cache (none|auto|always), xattr, posixAcl, threadPoolSize, writeback',
  },
);

export const ShareTransport = Type.Union([Type.Literal('9p'), Type.Literal('virtiofs'), Type.Literal('hostfs')], {
  description: '9p and virtiofs for QEMU VMs, hostfs for UML VMs',
});
export type ShareTransport = Static<typeof ShareTransport>;

export const ShareAttach = Type.Object(
  {
    shareId: Type.String({ minLength: 1, maxLength: 64 }),
    transport: ShareTransport,
    tag: Type.String({
      minLength: 1,
      maxLength: 31,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'mount tag; the guest mounts it at /mnt/<tag>',
    }),
    readonly: Type.Optional(Type.Boolean()),
    options: Type.Optional(ShareOptionsInput),
  },
  { additionalProperties: false },
);
export type ShareAttach = Static<typeof ShareAttach>;

export const VmShare = Type.Object({
  shareId: Type.String(),
  shareName: Type.String(),
  transport: ShareTransport,
  tag: Type.String(),
  readonly: Type.Boolean(),
  options: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  pending: Type.Boolean({ description: 'attached while the VM ran and QEMU could not plug it in: applies at next start' }),
  mountCommand: Type.String({ description: 'how this or another guest mounts it by hand' }),
});
export type VmShare = Static<typeof VmShare>;

const ShareUser = Type.Object({
  vmId: Type.String(),
  vmName: Type.String(),
  state: Type.String(),
  tag: Type.String(),
  transport: ShareTransport,
  readonly: Type.Boolean(),
  warning: Type.Union([Type.String(), Type.Null()], {
    description: "what is wrong with this attachment now, e.g. its virtiofsd died (the guest's accesses hang); null when nothing is",
  }),
});

export const ShareView = Type.Object({
  ...Share.properties,
  sizeBytes: Type.Union([Type.Number(), Type.Null()], { description: 'bytes used under the directory (du); null while unknown' }),
  usedBy: Type.Array(ShareUser),
});
export type ShareView = Static<typeof ShareView>;

export const TagParams = Type.Object(
  { id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), tag: Type.String({ pattern: '^[A-Za-z0-9_-]{1,31}$' }) },
  { additionalProperties: false },
);
