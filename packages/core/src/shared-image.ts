import { invalid } from './errors.js';
import type { VmRepository } from './ports.js';
import type { ImageRecord } from './records.js';

/**
 * Only a shared image (no VM owns it) may carry what another operator makes: a VM's layers change,
 * go with the VM, or are its writable top, and standing on one would tie that VM's hands.
 */
export function assertShared(vms: Pick<VmRepository, 'get'>, image: ImageRecord, field: string, instead: string): void {
  if (image.ownerVmId === null) return;
  const owner = vms.get(image.ownerVmId)?.name ?? image.ownerVmId;
  throw invalid(field, `${image.name} is a layer of VM '${owner}', not a shared image; ${instead}`);
}
