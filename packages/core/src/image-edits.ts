import type { CheckReport, ImageCreate } from '@strata/contract';
import { conflict, invalid, toolMessage } from './errors.js';
import { checkImageCreate } from './image-create-rules.js';
import { assertNameFree, childrenOfImage, imagesChanged, insertRoot, mustGetImage, runningUser, usersOfImage } from './image-guards.js';
import { withImages } from './image-locks.js';
import type { ImageOpsDeps } from './image-ops-deps.js';
import type { ImageRecord } from './records.js';

/** The image operations that answer at once: create, grow, check and delete. */

export async function createImage(deps: ImageOpsDeps, body: ImageCreate): Promise<ImageRecord> {
  const { files } = deps;
  checkImageCreate(body);
  assertNameFree(deps, body.name);
  if (body.sizeBytes > files.freeSpace() && (body.preallocation === 'full' || body.preallocation === 'falloc')) {
    throw conflict('insufficient_space', `preallocating ${body.sizeBytes} bytes needs more than the ${files.freeSpace()} free`);
  }
  const id = deps.newId();
  const path = files.pathFor(id, body.format);
  try {
    await files.createBlank(path, body);
  } catch (err) {
    await files.removeFile(path);
    throw invalid('body', `qemu-img refused these options: ${toolMessage(err)}`, 'tool_refused');
  }
  return insertRoot(deps, id, body.name, path, body.format);
}

/** Under the image's lock: no layer can be put on it between the "nothing stands on it" check and the resize. */
export function resizeImage(deps: ImageOpsDeps, id: string, sizeBytes: number): Promise<ImageRecord> {
  return withImages(deps.images, [id], () => resizeLocked(deps, id, sizeBytes));
}

async function resizeLocked(deps: ImageOpsDeps, id: string, sizeBytes: number): Promise<ImageRecord> {
  const image = mustGetImage(deps, id);
  if (sizeBytes < image.virtualSize)
    throw invalid('body.sizeBytes', `shrinking is refused (as qemu-img does for qcow2): ${image.name} is ${image.virtualSize} bytes`);
  if (sizeBytes === image.virtualSize) throw invalid('body.sizeBytes', `${image.name} is ${sizeBytes} bytes already`);
  if (childrenOfImage(deps, id).length > 0)
    throw conflict('image_in_use', `layers stand on ${image.name}; growing it would invalidate them`);
  if (runningUser(deps, id)) throw conflict('image_busy', `stop the VMs using ${image.name} first`);
  if (image.format === 'uml-cow') throw invalid('params.id', 'UML COW files take their size from their backing file');
  try {
    await deps.files.resize(image.path, image.format, sizeBytes);
  } catch (err) {
    throw invalid('body.sizeBytes', `qemu-img refused to resize ${image.name}: ${toolMessage(err)}`, 'tool_refused');
  }
  const updated = deps.images.update(id, { virtualSize: (await deps.files.inspect(image.path, image.format)).virtualSize });
  imagesChanged(deps);
  return updated;
}

export async function checkImage(deps: ImageOpsDeps, id: string): Promise<CheckReport> {
  const image = mustGetImage(deps, id);
  if (image.format === 'raw') throw invalid('params.id', 'a raw image has no metadata for qemu-img check to examine');
  if (runningUser(deps, id, true))
    throw conflict('image_busy', `${image.name} is being written by a running VM; check it when the VM is stopped`);
  if (!deps.files.exists(image.path)) {
    if (image.pendingFirstUse)
      return { ok: true, errors: 0, leaks: 0, report: `UML makes ${image.name} at its VM's first start; nothing to check yet` };
    return { ok: false, errors: 1, leaks: 0, report: `${image.name}'s file ${image.path} is missing` };
  }
  // What a damaged file is matters more than what qemu-img check says of a format it cannot open.
  const problem = deps.files.openProblem?.(image.path, image.format);
  if (problem) return { ok: false, errors: 1, leaks: 0, report: `${image.name} ${problem}` };
  if (image.format === 'uml-cow') {
    const header = deps.files.cowHeader(image.path);
    return header
      ? {
          ok: true,
          errors: 0,
          leaks: 0,
          report: `the UML COW header (version ${header.version}) is intact; it names ${header.backingFile}`,
        }
      : { ok: false, errors: 1, leaks: 0, report: `${image.name} has no readable UML COW header` };
  }
  return deps.files.checkReport(image.path, image.format);
}

/** Under the image's lock, which whoever puts a layer on it holds too: the check and the delete are one step. */
export function removeImage(deps: ImageOpsDeps, id: string): Promise<void> {
  return withImages(deps.images, [id], () => removeLocked(deps, id));
}

async function removeLocked(deps: ImageOpsDeps, id: string): Promise<void> {
  const image = mustGetImage(deps, id);
  const child = childrenOfImage(deps, id)[0];
  if (child) throw conflict('image_in_use', `${child.name} stands on ${image.name}; delete or merge it first`);
  const user = usersOfImage(deps, id)[0];
  if (user)
    throw conflict(
      'image_in_use',
      `VM ${deps.vms.get(user.vmId)?.name ?? user.vmId} uses ${image.name}; delete the VM or repoint its disk first`,
    );
  await deps.files.removeFile(image.path);
  deps.images.remove(id);
  imagesChanged(deps);
}
