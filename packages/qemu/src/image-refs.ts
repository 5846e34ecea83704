import type { QemuImgInfo } from './qemu-img.js';

const VMDK_SELF_CONTAINED = ['monolithicSparse', 'streamOptimized'];

interface VmdkData {
  'create-type'?: string;
  extents?: { filename?: string }[];
}

/**
 * Why an image opened as `self` (the path qemu-img was given) is not one self-contained file, or
 * null when it is: no backing file, no external data file, no VMDK extent but itself, no `json:`
 * name anywhere (qemu-img would take such a name as options, not as a file).
 */
export function referenceProblem(info: QemuImgInfo, self: string): string | null {
  if (JSON.stringify(info).includes('json:')) return 'it names a json: pseudo-file (options for another file)';
  const backing = info['full-backing-filename'] ?? info['backing-filename'];
  if (backing !== undefined) return `it has a backing file (${backing}); import standalone images`;
  const data = info['format-specific']?.data ?? {};
  if (info.format === 'qcow2' && data['data-file'] !== undefined) {
    return `it keeps its data in an external file (${String(data['data-file'])}); import a qcow2 with its data inside`;
  }
  if (info.format === 'vmdk') {
    const vmdk = data as VmdkData;
    if (!VMDK_SELF_CONTAINED.includes(vmdk['create-type'] ?? '')) {
      return `it is a ${vmdk['create-type'] ?? 'unknown'} VMDK; only monolithicSparse and streamOptimized VMDKs hold their own data`;
    }
    const others = (vmdk.extents ?? []).filter((e) => e.filename !== self);
    if (others.length > 0 || (vmdk.extents ?? []).length !== 1) {
      return `its extents name other files (${others.map((e) => e.filename).join(', ')})`;
    }
  }
  return null;
}
