import { QEMU_FORMATS, type ImageConvert, type ImageImport, type Job } from '@strata/contract';
import { conflict, invalid } from './errors.js';
import { chainOf } from './image-chain.js';
import { assertNameFree, bootOfChain, childrenOfImage, imagesChanged, insertRoot, mustGetImage, runningUser } from './image-guards.js';
import { withImages } from './image-locks.js';
import type { ImageOpsDeps } from './image-ops-deps.js';
import { importHeld, writeVerified } from './image-rewrite.js';
import { protect } from './layers.js';
import type { ImportSource } from './ports.js';
import type { ImageRecord } from './records.js';
import { assertShared } from './shared-image.js';

/** The image operations that run as jobs: each writes a new file, verified before it takes its name. */

export function importImage(deps: ImageOpsDeps, body: ImageImport): Job {
  assertNameFree(deps, body.name);
  return importFromSource(deps, body.name, body.path, 'body.path', deps.files.openImport(body.path));
}

/**
 * Registers a held file (from the import directory, or an upload the server received) as a new
 * root image: copied, proven self-contained, converted into the store and verified, as a job.
 * The source is closed in every case.
 */
export function importFromSource(deps: ImageOpsDeps, name: string, label: string, field: string, source: ImportSource): Job {
  try {
    assertNameFree(deps, name);
    const format = source.format as ImageRecord['format'];
    if (!(QEMU_FORMATS as readonly string[]).includes(format)) throw invalid(field, `${format} images cannot be imported`);
    return deps.jobs.start({
      kind: 'image',
      title: `import ${label}`,
      run: async (job) => {
        try {
          const id = deps.newId();
          const target = deps.files.pathFor(id, format);
          await importHeld(deps, job, source, target, format);
          await insertRoot(deps, id, name, target, format);
          return `imported ${label} as ${name} (${format})`;
        } finally {
          source.close();
        }
      },
    });
  } catch (err) {
    source.close();
    throw err;
  }
}

export function convertImage(deps: ImageOpsDeps, id: string, body: ImageConvert): Job {
  assertNameFree(deps, body.name);
  const image = mustGetImage(deps, id);
  if (runningUser(deps, id, true))
    throw conflict('image_busy', `${image.name} is being written by a running VM; snapshot it and convert the snapshot`);
  return deps.jobs.start({
    kind: 'image',
    title: `convert ${image.name} to ${body.format}`,
    imageId: id,
    run: async (job) => {
      const newId = deps.newId();
      const target = deps.files.pathFor(newId, body.format);
      await writeVerified(deps, job, image, target, body.format, (tmp) =>
        deps.files.convert(image.path, image.format, tmp, {
          format: body.format,
          onProgress: (p) => job.progress(p * 0.9),
          signal: job.signal,
        }),
      );
      await insertRoot(deps, newId, body.name, target, body.format, bootOfChain(deps, id));
      return `wrote ${body.name}: ${image.name}'s whole chain as one ${body.format} image`;
    },
  });
}

/** Everything a rebase needs true, checked when it is asked and again under the images' locks when it acts. */
function checkRebase(deps: ImageOpsDeps, id: string, parentId: string) {
  const image = mustGetImage(deps, id);
  const parent = mustGetImage(deps, parentId);
  if (image.format !== 'qcow2') throw invalid('params.id', 'only qcow2 layers have a backing file to change');
  assertShared(
    deps.vms,
    parent,
    'body.parentId',
    "a VM's layer changes as its guest writes, and an image on it would turn invalid and pin that VM's disk",
  );
  if (chainOf(parentId, new Map(deps.images.list().map((i) => [i.id, i]))).some((l) => l.id === id)) {
    throw invalid('body.parentId', `${parent.name} stands on ${image.name}: that would make a loop`);
  }
  if (childrenOfImage(deps, id).length > 0) throw conflict('image_in_use', `layers stand on ${image.name}; rebase the top of the chain`);
  if (runningUser(deps, id)) throw conflict('image_busy', `stop the VMs using ${image.name} first`);
  return { image, parent };
}

export function rebaseImage(deps: ImageOpsDeps, id: string, parentId: string): Job {
  const { image, parent } = checkRebase(deps, id, parentId);
  return deps.jobs.start({
    kind: 'image',
    title: `rebase ${image.name} onto ${parent.name}`,
    imageId: id,
    // Both images stay as checked for the whole rewrite: no layer put on the image, no parent deleted under it.
    run: (job) =>
      withImages(deps.images, [id, parentId], async () => {
        checkRebase(deps, id, parentId);
        await protect(deps, parent);
        await writeVerified(deps, job, image, image.path, 'qcow2', (tmp) =>
          deps.files.convert(image.path, image.format, tmp, {
            backing: { path: parent.path, format: parent.format },
            onProgress: (p) => job.progress(p * 0.9),
            signal: job.signal,
          }),
        );
        deps.images.update(id, { parentId, parentFingerprint: deps.files.fingerprint(parent.path), invalidReason: null });
        imagesChanged(deps);
        return `${image.name} now stands on ${parent.name}; what the guest sees is unchanged`;
      }),
  });
}
