import type { Image } from '@strata/contract';

/** An image of someone else standing on one of the VM's own layers: it forbids the VM's deletion. */
export interface DeleteBlocker {
  image: Image;
  base: Image;
}

/**
 * What deleting a VM would do, found before the dialog offers it, by the server's own rule: its
 * private layers go with it (each once), and an image outside them standing on one of them
 * forbids it (the server answers 409).
 */
export function deletePlan(vmId: string, images: Image[]): { own: Image[]; blockers: DeleteBlocker[] } {
  const own = [...new Map(images.filter((i) => i.ownerVmId === vmId).map((i) => [i.id, i])).values()];
  const byId = new Map(own.map((i) => [i.id, i]));
  const blockers = new Map<string, DeleteBlocker>();
  for (const image of images) {
    const base = image.parentId === null ? undefined : byId.get(image.parentId);
    if (base && !byId.has(image.id)) blockers.set(image.id, { image, base });
  }
  return { own, blockers: [...blockers.values()] };
}
