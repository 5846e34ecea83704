import type { ShareAttach, ShareCreate, Vm } from '@strata/contract';
import { conflict, invalid, notFound } from './errors.js';
import type { ShareRecord, VmRecord, VmShareRecord } from './records.js';
import { shareOptions } from './share-options.js';
import { resolveShareBeneath } from './share-path.js';
import type { VmContext } from './vm-context.js';
import { isActive } from './vm-state.js';
import { shareAttachmentWarning } from './share-supervision.js';

/** Host directories exported to VMs (9p, virtiofs, hostfs), and their attachments. */
export interface VmShares {
  listShares(): ShareRecord[];
  /** The VMs a share is attached to. */
  shareUsers(shareId: string): VmRecord[];
  createShare(body: ShareCreate): ShareRecord;
  renameShare(id: string, name: string): ShareRecord;
  deleteShare(id: string): Promise<void>;
  /**
   * On a stopped VM the attachment is recorded for the next start. On a running one it is plugged
   * in at once when the hypervisor can; anything else is marked pending, to apply at the next start.
   */
  attachShare(vmId: string, body: ShareAttach): Promise<Vm>;
  detachShare(vmId: string, tag: string): Promise<Vm>;
  /** What is wrong with a VM's share attachment now (its daemon died), or null. */
  attachmentWarning(vmId: string, tag: string): string | null;
}

type SharesDeps = Pick<VmContext, 'deps' | 'lock' | 'mustGet' | 'publish' | 'live' | 'driverFor'>;

const mustGetShare = ({ deps }: SharesDeps, id: string): ShareRecord => {
  const share = deps.shares.get(id);
  if (!share) throw notFound('share', id);
  return share;
};

/** Every path is checked again, beneath an allowed root, each time it is used. */
export const beneath = ({ deps }: Pick<VmContext, 'deps'>, path: string, field: string): { path: string; root: string } =>
  resolveShareBeneath(path, deps.shareRoots, deps.pathFs, field);

const usersOf = ({ deps }: SharesDeps, shareId: string) => deps.vms.list().filter((v) => v.shares.some((s) => s.shareId === shareId));

function createShare(d: SharesDeps, body: ShareCreate): ShareRecord {
  const path = beneath(d, body.path, 'body.path').path;
  if (d.deps.shares.findByName(body.name).length > 0) throw conflict('name_taken', `a share named '${body.name}' exists already`);
  const share = { id: d.deps.newId(), name: body.name, path, createdAt: d.deps.now() };
  d.deps.shares.insert(share);
  return share;
}

function renameShare(d: SharesDeps, id: string, name: string): ShareRecord {
  mustGetShare(d, id);
  if (d.deps.shares.findByName(name).some((s) => s.id !== id)) throw conflict('name_taken', `a share named '${name}' exists already`);
  return d.deps.shares.update(id, { name });
}

async function deleteShare(d: SharesDeps, id: string): Promise<void> {
  const share = mustGetShare(d, id);
  const running = usersOf(d, id).find((v) => isActive(v.state));
  if (running) throw conflict('share_in_use', `VM '${running.name}' is running with ${share.name} attached; stop it first`);
  for (const vm of usersOf(d, id)) await d.publish(d.deps.vms.update(vm.id, { shares: vm.shares.filter((s) => s.shareId !== id) }));
  d.deps.shares.remove(id);
}

function attachShare(d: SharesDeps, vmId: string, body: ShareAttach): Promise<Vm> {
  return d.lock.run(vmId, async () => {
    const vm = d.mustGet(vmId);
    const share = d.deps.shares.get(body.shareId);
    if (!share) throw invalid('body.shareId', `no share with id '${body.shareId}'`);
    if (vm.shares.some((s) => s.tag === body.tag)) throw conflict('tag_taken', `this VM has a share tagged '${body.tag}' already`);
    const where = beneath(d, share.path, 'body.shareId');
    const refusal = d.driverFor(vm).rules.shareRefusal(body.transport);
    if (refusal) throw invalid('body.transport', refusal);
    const attachment = {
      shareId: share.id,
      transport: body.transport,
      tag: body.tag,
      readonly: body.readonly ?? false,
      options: shareOptions(body.transport, body.options),
    } as VmShareRecord;
    if (isActive(vm.state)) {
      const plugger = d.live.get(vmId)?.handle.liveShares;
      const plugged = plugger ? await plugger.attachShare({ ...attachment, ...where }) : false;
      attachment.pending = !plugged;
    }
    return d.publish(d.deps.vms.update(vmId, { shares: [...vm.shares, attachment] }));
  });
}

function detachShare(d: SharesDeps, vmId: string, tag: string): Promise<Vm> {
  return d.lock.run(vmId, async () => {
    const vm = d.mustGet(vmId);
    const attachment = vm.shares.find((s) => s.tag === tag);
    if (!attachment) throw notFound('share attachment', tag);
    if (isActive(vm.state) && !attachment.pending)
      throw conflict('requires_stop', `stop the VM to detach share ${tag}: the guest may have files open on it`);
    return d.publish(d.deps.vms.update(vmId, { shares: vm.shares.filter((s) => s.tag !== tag) }));
  });
}

export function createVmShares(d: SharesDeps): VmShares {
  return {
    listShares: () => d.deps.shares.list(),
    shareUsers: (shareId) => usersOf(d, shareId),
    createShare: (body) => createShare(d, body),
    renameShare: (id, name) => renameShare(d, id, name),
    deleteShare: (id) => deleteShare(d, id),
    attachShare: (vmId, body) => attachShare(d, vmId, body),
    detachShare: (vmId, tag) => detachShare(d, vmId, tag),
    attachmentWarning: (vmId, tag) => shareAttachmentWarning(d, vmId, tag),
  };
}
