import { invalid } from './errors.js';
import type { ImageRecord } from './records.js';
import type { VmContext } from './vm-context.js';

/** Checks of request fields against this host and the records; each names the field it refuses. */
type ChecksDeps = Pick<VmContext, 'deps'>;

export async function hostLimits({ deps }: ChecksDeps) {
  const host = await deps.host.info();
  return { logicalCpus: host.cpu.logicalCpus, memoryBytes: host.memory.totalBytes, kvmUsable: host.accelerator.kvm.usable };
}

export async function checkCpuModel(d: ChecksDeps, model: string | null | undefined, field: string): Promise<void> {
  if (model === null || model === undefined) return;
  const { kvmUsable } = await hostLimits(d);
  if (model === 'host' && !kvmUsable) throw invalid(field, "the 'host' CPU model needs KVM, which is not usable on this host");
  if (!(await d.deps.host.cpuModels()).includes(model))
    throw invalid(field, `QEMU here knows no CPU model '${model}' (see GET /api/v1/host/cpu-models)`);
}

export function checkCdrom({ deps }: ChecksDeps, ref: string | null | undefined, field: string): void {
  if (ref === null || ref === undefined) return;
  const image = deps.images.get(ref);
  if (!image) throw invalid(field, `no image with id '${ref}'`);
  if (image.format !== 'raw') throw invalid(field, `a CD-ROM holds a raw image (an ISO); '${image.name}' is ${image.format}`);
}

/** An image by id, or the newest shared image of that name. */
export function resolveImage({ deps }: ChecksDeps, ref: string): ImageRecord {
  const image =
    deps.images.get(ref) ??
    deps.images
      .findByName(ref)
      .filter((i) => i.ownerVmId === null)
      .at(-1);
  if (!image) throw invalid('body.image', `no image with id or name '${ref}'`, 'image_not_found');
  return image;
}

export function checkRootShare({ deps }: ChecksDeps, id: string | null | undefined, field: string): void {
  if (id === null || id === undefined) return;
  if (!deps.shares.get(id)) throw invalid(field, `no share with id '${id}'`);
}

export function checkMemoryDir({ deps }: ChecksDeps, dir: string | null | undefined, field: string): void {
  if (dir === null || dir === undefined) return;
  if (!dir.startsWith('/') || dir.includes('\0') || dir.split('/').includes('..'))
    throw invalid(field, 'must be an absolute path without ..');
  let isDir = false;
  try {
    isDir = deps.pathFs.isDirectory(dir);
  } catch {
    isDir = false;
  }
  if (!isDir) throw invalid(field, `${dir} is not an existing directory`);
}
