import { existsSync, statSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageFiles } from '@strata/core';
import { createOverlay } from '@strata/qemu';

export function createImageFiles(imagesDir: string): ImageFiles {
  return {
    async createOverlay(parent, id) {
      const path = join(imagesDir, `${id}.qcow2`);
      const info = await createOverlay(parent.path, parent.format, path);
      return { path, virtualSize: info['virtual-size'] };
    },
    /** What the file really takes on disk (st_blocks, as du and ls -s count), not its length. */
    allocatedSize: (path) => statSync(path).blocks * 512,
    protect: (path) => chmod(path, 0o444),
    removeFile: (path) => rm(path, { force: true }),
    exists: (path) => existsSync(path),
  };
}
