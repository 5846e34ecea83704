import type { Image } from '@strata/contract';
import { usersOf } from './image-chain.js';
import { invalidImages } from './image-validity.js';
import type { ImageFiles, ImageRepository, VmRepository } from './ports.js';

/** The image forest as the API shows it. */
export interface ImageService {
  /** Every layer with its size on disk, its users, and whether (and why not) it is valid. */
  list(): Image[];
}

export interface ImageServiceDeps {
  images: ImageRepository;
  vms: VmRepository;
  files: Pick<ImageFiles, 'allocatedSize' | 'cowHeader' | 'exists' | 'fingerprint' | 'openProblem'>;
}

export function createImageService(deps: ImageServiceDeps): ImageService {
  return {
    list(): Image[] {
      const all = deps.images.list();
      const users = usersOf(all, deps.vms.list());
      // Each COW header is read once: the validity check and the listing both need it.
      const headers = new Map<string, ReturnType<ImageFiles['cowHeader']>>();
      const cowHeader = (path: string) => {
        if (!headers.has(path)) headers.set(path, deps.files.cowHeader(path));
        return headers.get(path)!;
      };
      const invalid = invalidImages({
        images: all,
        exists: deps.files.exists,
        fingerprint: deps.files.fingerprint,
        cowHeader,
        openProblem: deps.files.openProblem,
      });
      return all.map((r) => {
        const present = deps.files.exists(r.path);
        const cow = r.format === 'uml-cow' && present ? cowHeader(r.path) : null;
        return {
          id: r.id,
          name: r.name,
          path: r.path,
          format: r.format,
          parentId: r.parentId,
          virtualSize: r.virtualSize,
          allocatedSize: present ? deps.files.allocatedSize(r.path) : 0,
          protected: r.protected,
          valid: !invalid.has(r.id),
          invalidReason: invalid.get(r.id) ?? null,
          usedBy: users.get(r.id) ?? [],
          ownerVmId: r.ownerVmId,
          snapshot: r.snapshot,
          createdAt: r.createdAt,
          cow,
          pendingFirstUse: r.pendingFirstUse === true && !present,
        };
      });
    },
  };
}
