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
  ownerVmId: Type.Union([Type.String(), Type.Null()], { description: 'the VM this layer is private to; deleted with it' }),
  createdAt: Type.String(),
});
export type Image = Static<typeof Image>;
