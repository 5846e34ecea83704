import { Type, type Static } from 'typebox';
import { DiskBus } from './vms.js';
import { DISK_SIZE_MAX_BYTES, DISK_SIZE_MIN_BYTES, VM_NAME_MAX_LENGTH, VM_NAME_PATTERN, VM_NAME_RULE } from './vm-rules.js';

const DiskSize = (description: string) =>
  Type.Integer({ minimum: DISK_SIZE_MIN_BYTES, maximum: DISK_SIZE_MAX_BYTES, multipleOf: 512, description });

/** A new disk: blank (`sizeBytes`) or a new overlay on a shared image (`image`), exactly one of them. */
export const DiskAdd = Type.Object(
  {
    sizeBytes: Type.Optional(DiskSize('a blank disk of this many bytes (a multiple of 512)')),
    image: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'id or name of a shared image: the disk is a new overlay on it, and the image stays shared and untouched',
      }),
    ),
    bus: Type.Optional(DiskBus),
  },
  { additionalProperties: false },
);
export type DiskAdd = Static<typeof DiskAdd>;

export const DiskResize = Type.Object(
  { sizeBytes: DiskSize('the new size the guest sees; only growing is allowed') },
  { additionalProperties: false },
);
export type DiskResize = Static<typeof DiskResize>;

export const DiskRemoveQuery = Type.Object(
  {
    layers: Type.Optional(
      Type.Union([Type.Literal('delete'), Type.Literal('keep')], {
        description: "delete (default): the disk's own layers are deleted; keep: they stay as standalone images. Shared bases always stay.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type DiskRemoveQuery = Static<typeof DiskRemoveQuery>;

export const CloneMode = Type.Union([Type.Literal('full'), Type.Literal('linked')]);
export type CloneMode = Static<typeof CloneMode>;

export const VmClone = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: VM_NAME_MAX_LENGTH, pattern: VM_NAME_PATTERN, description: VM_NAME_RULE }),
    mode: CloneMode,
  },
  { additionalProperties: false },
);
export type VmClone = Static<typeof VmClone>;
