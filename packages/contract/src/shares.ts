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

export const NinePOptions = Type.Object(
  {
    version: Type.Optional(Type.Union([Type.Literal('9p2000.L'), Type.Literal('9p2000.u')])),
    msize: Type.Optional(Type.Integer({ minimum: 8193, maximum: 104857600, description: 'bytes; more than 8 KiB (seed 002: msize is what makes 9p fast)' })),
    securityModel: Type.Optional(Type.Union([Type.Literal('mapped-xattr'), Type.Literal('mapped-file'), Type.Literal('none'), Type.Literal('passthrough')])),
    cache: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('loose'), Type.Literal('fscache'), Type.Literal('mmap')])),
  },
  { additionalProperties: false },
);
export type NinePOptions = Static<typeof NinePOptions>;

export const ShareAttach = Type.Object(
  {
    shareId: Type.String({ minLength: 1, maxLength: 64 }),
    transport: Type.Literal('9p', { description: 'virtiofs and hostfs come with later versions' }),
    tag: Type.String({ minLength: 1, maxLength: 31, pattern: '^[A-Za-z0-9_-]+$', description: 'mount tag; the guest mounts it at /mnt/<tag>' }),
    readonly: Type.Optional(Type.Boolean()),
    options: Type.Optional(NinePOptions),
  },
  { additionalProperties: false },
);
export type ShareAttach = Static<typeof ShareAttach>;

export const VmShare = Type.Object({
  shareId: Type.String(),
  transport: Type.Literal('9p'),
  tag: Type.String(),
  readonly: Type.Boolean(),
  options: Type.Object({
    version: Type.String(),
    msize: Type.Integer(),
    securityModel: Type.String(),
    cache: Type.String(),
  }),
  mountCommand: Type.String({ description: 'how another guest would mount it' }),
});
export type VmShare = Static<typeof VmShare>;

export const TagParams = Type.Object(
  { id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), tag: Type.String({ pattern: '^[A-Za-z0-9_-]{1,31}$' }) },
  { additionalProperties: false },
);
