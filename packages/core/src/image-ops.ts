import type { CheckReport, ImageConvert, ImageCreate, ImageImport, Job } from '@strata/contract';
import { checkImage, createImage, removeImage, resizeImage } from './image-edits.js';
import { convertImage, importFromSource, importImage, rebaseImage } from './image-jobs.js';
import { recoverImageJob } from './image-rewrite.js';
import type { ImageOpsDeps } from './image-ops-deps.js';
import type { ImportSource } from './ports.js';
import type { ImageRecord } from './records.js';

/** qemu-img's toolbox, made safe: every rewrite goes to a new file first. */
export interface ImageOps {
  create(body: ImageCreate): Promise<ImageRecord>;
  importImage(body: ImageImport): Job;
  /** A file the server holds (an upload), checked and registered like an import; `label` names it in the job. */
  importHeldFile(name: string, label: string, source: ImportSource): Job;
  convert(id: string, body: ImageConvert): Job;
  resize(id: string, sizeBytes: number): Promise<ImageRecord>;
  check(id: string): Promise<CheckReport>;
  rebase(id: string, parentId: string): Job;
  remove(id: string): Promise<void>;
}

export type { ImageOpsDeps } from './image-ops-deps.js';

export function createImageOps(deps: ImageOpsDeps): ImageOps {
  deps.jobs.onRecover('image', (record) => recoverImageJob(deps, record));
  return {
    create: (body) => createImage(deps, body),
    importImage: (body) => importImage(deps, body),
    importHeldFile: (name, label, source) => importFromSource(deps, name, label, 'query.format', source),
    convert: (id, body) => convertImage(deps, id, body),
    resize: (id, sizeBytes) => resizeImage(deps, id, sizeBytes),
    check: (id) => checkImage(deps, id),
    rebase: (id, parentId) => rebaseImage(deps, id, parentId),
    remove: (id) => removeImage(deps, id),
  };
}
