import { createReadStream, existsSync, statfsSync, statSync } from 'node:fs';
import { chmod, open, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { cachedOpenCheck, type ImageFiles } from '@strata/core';
import {
  checkImage,
  checkReport,
  commitAndVerify,
  convertImage,
  createBlank,
  createOverlay,
  imageInfo,
  resizeImage,
  sameContent,
  streamInPlace,
} from '@strata/qemu';
import { runOk } from '@strata/host';
import { backingStamp, readCowHeader, umlMerge, umlMergeInPlace, verifyUmlInPlace, verifyUmlMerge } from '@strata/uml';
import { openImport } from './import-path.js';
import { probeOpen, readHead } from './open-check.js';

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function fingerprint(path: string) {
  try {
    const s = statSync(path, { bigint: true });
    return {
      dev: Number(s.dev),
      ino: Number(s.ino),
      size: Number(s.size),
      mtimeNs: String(s.mtimeNs),
      ctimeNs: String(s.ctimeNs),
      sha256: null,
    };
  } catch {
    return null;
  }
}

export function createImageFiles(imagesDir: string, importDir: string): ImageFiles {
  return {
    openProblem: cachedOpenCheck(fingerprint, probeOpen, { head: readHead }),
    async createOverlay(parent, id) {
      const path = join(imagesDir, `${id}.qcow2`);
      const info = await createOverlay(parent.path, parent.format, path);
      return { path, virtualSize: info['virtual-size'] };
    },
    /** What the file really takes on disk (st_blocks, as du and ls -s count), not its length. */
    allocatedSize: (path) => statSync(path).blocks * 512,
    protect: (path) => chmod(path, 0o444),
    unprotect: (path) => chmod(path, 0o644),
    cowHeader(path) {
      try {
        const { bitmapBytes: _bits, ...header } = readCowHeader(path);
        return header;
      } catch {
        return null;
      }
    },
    umlMerge,
    verifyUmlMerge,
    backingStamp,
    umlMergeInPlace,
    verifyUmlInPlace,
    commitInPlace: commitAndVerify,
    streamInPlace,
    async backingOf(path, format) {
      return (await imageInfo(path, format))['full-backing-filename'] ?? null;
    },
    removeFile: (path) => rm(path, { force: true }),
    exists: (path) => existsSync(path),
    fingerprint,
    sha256: (path) =>
      new Promise((resolve, reject) => {
        const hash = createHash('sha256');
        createReadStream(path)
          .on('data', (c) => hash.update(c))
          .on('error', reject)
          .on('end', () => resolve(hash.digest('hex')));
      }),
    pathFor: (id, format) => join(imagesDir, `${id}.${format}`),
    freeSpace() {
      const s = statfsSync(imagesDir);
      return s.bavail * s.bsize;
    },
    convert: convertImage,
    sameContent,
    check: checkImage,
    async sync(path) {
      await fsync(path);
      await fsync(dirname(path)); // the directory entry too, so a rename survives a power cut
    },
    rename: (from, to) => rename(from, to),
    createBlank,
    async inspect(path, format) {
      const info = await imageInfo(path, format);
      return { format: info.format, virtualSize: info['virtual-size'], backing: info['full-backing-filename'] ?? null };
    },
    resize: resizeImage,
    checkReport,
    openImport: (relative) => openImport(importDir, relative),
    async copy(from, to, signal) {
      await runOk(['cp', '--sparse=always', from, to], { signal });
    },
  };
}
