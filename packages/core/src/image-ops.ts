import { QEMU_FORMATS, type CheckReport, type ImageConvert, type ImageCreate, type ImageImport, type Job } from '@strata/contract';
import { conflict, invalid, notFound, toolMessage } from './errors.js';
import { checkImageCreate } from './image-create-rules.js';
import { chainOf, childrenOf, usersOf } from './image-chain.js';
import type { JobContext, JobService } from './job-service.js';
import { protect, type LayerDeps } from './layers.js';
import type { EventSink, ImportSource, VmRepository } from './ports.js';
import type { ImageRecord } from './records.js';
import { isActive } from './vm-state.js';

type Deps = LayerDeps & { vms: VmRepository; events: EventSink; jobs: JobService };

/** seed 003's qemu-img toolbox, made safe: every rewrite goes to a new file first. */
export function createImageOps(deps: Deps) {
  const { images, files } = deps;

  const mustGet = (id: string): ImageRecord => {
    const image = images.get(id);
    if (!image) throw notFound('image', id);
    return image;
  };
  const children = (id: string) => childrenOf(id, images.list());
  const users = (id: string) => usersOf(images.list(), deps.vms.list()).get(id) ?? [];
  /** A running VM that uses the image (as its writable top, if `writable`). */
  const runningUser = (id: string, writable = false) =>
    users(id).find((u) => (!writable || u.role === 'writable') && isActive(deps.vms.get(u.vmId)?.state ?? 'stopped'));
  const changed = () => deps.events.emit({ type: 'images.changed' });
  /** VMs pick base images by name too: a second image of a name would take the first one's place. */
  const assertNameFree = (name: string) => {
    if (images.findByName(name).some((i) => i.ownerVmId === null)) throw conflict('name_taken', `an image named '${name}' exists already`);
  };

  const insertRoot = async (id: string, name: string, path: string, format: ImageRecord['format'], boot: ImageRecord['boot'] = null) => {
    const info = await files.inspect(path, format);
    const record: ImageRecord = {
      id,
      name,
      path,
      format,
      parentId: null,
      virtualSize: info.virtualSize,
      protected: false,
      ownerVmId: null,
      boot,
      parentFingerprint: null,
      invalidReason: null,
      snapshot: null,
      createdAt: deps.now(),
    };
    images.insert(record);
    changed();
    return record;
  };

  /** Writes `target` through a temporary file that is verified against `source` before it takes the name. */
  const writeVerified = async (
    job: JobContext,
    source: { path: string; format: string },
    target: string,
    format: string,
    write: (tmp: string) => Promise<void>,
  ) => {
    const tmp = `${target}.tmp-${deps.newId()}`;
    job.journal({ tmp });
    try {
      await write(tmp);
      if (format !== 'raw' && format !== 'vpc') {
        const report = await files.checkReport(tmp, format);
        if (!report.ok) throw new Error(`qemu-img check failed on the new file: ${report.report}`);
      }
      if (!(await files.sameContent(source.path, source.format, tmp, format)))
        throw new Error('verification failed: the new file does not show the guest the same bytes');
      await files.sync(tmp);
      await files.rename(tmp, target);
      await files.sync(target);
    } catch (err) {
      await files.removeFile(tmp);
      throw err;
    }
  };

  /**
   * The import is judged and converted from a private copy of the held file: its owner can still
   * rewrite the original (add a backing file after it was checked, say), but not the copy.
   */
  const importHeld = async (job: JobContext, source: ImportSource, target: string, format: string) => {
    const copy = `${target}.import-${deps.newId()}`;
    job.journal({ copy });
    try {
      await source.take(copy, job.signal);
      await writeVerified(job, { path: copy, format }, target, format, (tmp) =>
        files.convert(copy, format, tmp, { format, onProgress: (p) => job.progress(p * 0.9), signal: job.signal }),
      );
    } finally {
      await files.removeFile(copy);
    }
  };

  deps.jobs.onRecover('image', async (record) => {
    const { tmp, copy } = record.journal as { tmp?: string; copy?: string };
    if (tmp) await files.removeFile(tmp);
    if (copy) await files.removeFile(copy);
    return 'rolled back: the server stopped before the new file was in place; its temporary file was removed';
  });

  return {
    async create(body: ImageCreate): Promise<ImageRecord> {
      checkImageCreate(body);
      assertNameFree(body.name);
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
      return insertRoot(id, body.name, path, body.format);
    },

    importImage(body: ImageImport): Job {
      assertNameFree(body.name);
      const source = files.openImport(body.path);
      try {
        const format = source.format as ImageRecord['format'];
        if (!(QEMU_FORMATS as readonly string[]).includes(format)) throw invalid('body.path', `${format} images cannot be imported`);
        return deps.jobs.start({
          kind: 'image',
          title: `import ${body.path}`,
          run: async (job) => {
            try {
              const id = deps.newId();
              const target = files.pathFor(id, format);
              await importHeld(job, source, target, format);
              await insertRoot(id, body.name, target, format);
              return `imported ${body.path} as ${body.name} (${format})`;
            } finally {
              source.close();
            }
          },
        });
      } catch (err) {
        source.close();
        throw err;
      }
    },

    convert(id: string, body: ImageConvert): Job {
      assertNameFree(body.name);
      const image = mustGet(id);
      if (runningUser(id, true))
        throw conflict('image_busy', `${image.name} is being written by a running VM; snapshot it and convert the snapshot`);
      return deps.jobs.start({
        kind: 'image',
        title: `convert ${image.name} to ${body.format}`,
        imageId: id,
        run: async (job) => {
          const newId = deps.newId();
          const target = files.pathFor(newId, body.format);
          await writeVerified(job, image, target, body.format, (tmp) =>
            files.convert(image.path, image.format, tmp, {
              format: body.format,
              onProgress: (p) => job.progress(p * 0.9),
              signal: job.signal,
            }),
          );
          const boot =
            chainOf(id, new Map(images.list().map((i) => [i.id, i])))
              .map((l) => l.boot)
              .find((b) => b !== null) ?? null;
          await insertRoot(newId, body.name, target, body.format, boot);
          return `wrote ${body.name}: ${image.name}'s whole chain as one ${body.format} image`;
        },
      });
    },

    async resize(id: string, sizeBytes: number): Promise<ImageRecord> {
      const image = mustGet(id);
      if (sizeBytes < image.virtualSize)
        throw invalid('body.sizeBytes', `shrinking is refused (as qemu-img does for qcow2): ${image.name} is ${image.virtualSize} bytes`);
      if (sizeBytes === image.virtualSize) throw invalid('body.sizeBytes', `${image.name} is ${sizeBytes} bytes already`);
      if (children(id).length > 0) throw conflict('image_in_use', `layers stand on ${image.name}; growing it would invalidate them`);
      if (runningUser(id)) throw conflict('image_busy', `stop the VMs using ${image.name} first`);
      if (image.format === 'uml-cow') throw invalid('params.id', 'UML COW files take their size from their backing file');
      try {
        await files.resize(image.path, image.format, sizeBytes);
      } catch (err) {
        throw invalid('body.sizeBytes', `qemu-img refused to resize ${image.name}: ${toolMessage(err)}`, 'tool_refused');
      }
      const updated = images.update(id, { virtualSize: (await files.inspect(image.path, image.format)).virtualSize });
      changed();
      return updated;
    },

    async check(id: string): Promise<CheckReport> {
      const image = mustGet(id);
      if (image.format === 'raw') throw invalid('params.id', 'a raw image has no metadata for qemu-img check to examine');
      if (runningUser(id, true))
        throw conflict('image_busy', `${image.name} is being written by a running VM; check it when the VM is stopped`);
      return files.checkReport(image.path, image.format);
    },

    rebase(id: string, parentId: string): Job {
      const image = mustGet(id);
      const parent = mustGet(parentId);
      if (image.format !== 'qcow2') throw invalid('params.id', 'only qcow2 layers have a backing file to change');
      if (chainOf(parentId, new Map(images.list().map((i) => [i.id, i]))).some((l) => l.id === id)) {
        throw invalid('body.parentId', `${parent.name} stands on ${image.name}: that would make a loop`);
      }
      if (children(id).length > 0) throw conflict('image_in_use', `layers stand on ${image.name}; rebase the top of the chain`);
      if (runningUser(id)) throw conflict('image_busy', `stop the VMs using ${image.name} first`);
      return deps.jobs.start({
        kind: 'image',
        title: `rebase ${image.name} onto ${parent.name}`,
        imageId: id,
        run: async (job) => {
          await protect(deps, parent);
          await writeVerified(job, image, image.path, 'qcow2', (tmp) =>
            files.convert(image.path, image.format, tmp, {
              backing: { path: parent.path, format: parent.format },
              onProgress: (p) => job.progress(p * 0.9),
              signal: job.signal,
            }),
          );
          images.update(id, { parentId, parentFingerprint: files.fingerprint(parent.path), invalidReason: null });
          changed();
          return `${image.name} now stands on ${parent.name}; what the guest sees is unchanged`;
        },
      });
    },

    async remove(id: string): Promise<void> {
      const image = mustGet(id);
      const child = children(id)[0];
      if (child) throw conflict('image_in_use', `${child.name} stands on ${image.name}; delete or merge it first`);
      const user = users(id)[0];
      if (user)
        throw conflict(
          'image_in_use',
          `VM ${deps.vms.get(user.vmId)?.name ?? user.vmId} uses ${image.name}; delete the VM or repoint its disk first`,
        );
      await files.removeFile(image.path);
      images.remove(id);
      changed();
    },
  };
}

export type ImageOps = ReturnType<typeof createImageOps>;
