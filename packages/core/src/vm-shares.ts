import type { ShareAttach, ShareCreate, Vm } from '@strata/contract';
import { conflict, invalid, notFound } from './errors.js';
import type { ShareRecord, VmRecord, VmShareRecord } from './records.js';
import type { LaunchShare } from './ports.js';
import { shareOptions } from './share-options.js';
import { resolveShareBeneath } from './share-path.js';
import type { VmContext } from './vm-context.js';
import { isActive } from './vm-state.js';

export const shareWarnings = (vm: VmRecord): string[] => [
  ...vm.shares
    .filter((s) => s.transport === '9p' && s.options.securityModel === 'passthrough')
    .map((s) => `share ${s.tag} uses security_model=passthrough: files the guest's root creates belong to root on the host`),
  ...vm.shares.filter((s) => s.pending).map((s) => `share ${s.tag} applies at the next start (QEMU could not plug it into the running VM)`),
];

/** Host directories exported to VMs over 9p or virtiofs. Every path is checked again right before each start. */
export function createVmShares(ctx: VmContext) {
  const { deps, lock, mustGet, publish, live } = ctx;
  const mustGetShare = (id: string): ShareRecord => {
    const share = deps.shares.get(id);
    if (!share) throw notFound('share', id);
    return share;
  };
  const beneath = (path: string, field: string) => resolveShareBeneath(path, deps.shareRoots, deps.pathFs, field);
  const resolve = (path: string, field: string) => beneath(path, field).path;
  const users = (shareId: string) => deps.vms.list().filter((v) => v.shares.some((s) => s.shareId === shareId));

  return {
    listShares: (): ShareRecord[] => deps.shares.list(),
    shareUsers: users,

    createShare(body: ShareCreate): ShareRecord {
      const path = resolve(body.path, 'body.path');
      if (deps.shares.findByName(body.name).length > 0) throw conflict('name_taken', `a share named '${body.name}' exists already`);
      const share = { id: deps.newId(), name: body.name, path, createdAt: deps.now() };
      deps.shares.insert(share);
      return share;
    },

    renameShare(id: string, name: string): ShareRecord {
      mustGetShare(id);
      if (deps.shares.findByName(name).some((s) => s.id !== id)) throw conflict('name_taken', `a share named '${name}' exists already`);
      return deps.shares.update(id, { name });
    },

    async deleteShare(id: string): Promise<void> {
      const share = mustGetShare(id);
      const running = users(id).find((v) => isActive(v.state));
      if (running) throw conflict('share_in_use', `VM '${running.name}' is running with ${share.name} attached; stop it first`);
      for (const vm of users(id)) await publish(deps.vms.update(vm.id, { shares: vm.shares.filter((s) => s.shareId !== id) }));
      deps.shares.remove(id);
    },

    /**
     * On a stopped VM the attachment is recorded for the next start. On a running one a virtiofs
     * share is plugged in at once when QEMU can (its memory is shared); anything else is marked
     * pending, to apply at the next start, and the VM says so.
     */
    async attachShare(vmId: string, body: ShareAttach): Promise<Vm> {
      return lock.run(vmId, async () => {
        const vm = mustGet(vmId);
        const share = deps.shares.get(body.shareId);
        if (!share) throw invalid('body.shareId', `no share with id '${body.shareId}'`);
        if (vm.shares.some((s) => s.tag === body.tag)) throw conflict('tag_taken', `this VM has a share tagged '${body.tag}' already`);
        const where = beneath(share.path, 'body.shareId');
        const fits = vm.hypervisor === 'uml' ? body.transport === 'hostfs' : body.transport !== 'hostfs';
        if (!fits)
          throw invalid(
            'body.transport',
            vm.hypervisor === 'uml' ? 'UML VMs mount shares over hostfs' : 'hostfs is for UML VMs; QEMU VMs use 9p or virtiofs',
          );
        const attachment = {
          shareId: share.id,
          transport: body.transport,
          tag: body.tag,
          readonly: body.readonly ?? false,
          options: shareOptions(body.transport, body.options),
        } as VmShareRecord;
        if (isActive(vm.state)) {
          const entry = live.get(vmId);
          const plugged = entry?.handle.attachShare ? await entry.handle.attachShare({ ...attachment, ...where }) : false;
          attachment.pending = !plugged;
        }
        return publish(deps.vms.update(vmId, { shares: [...vm.shares, attachment] }));
      });
    },

    async detachShare(vmId: string, tag: string): Promise<Vm> {
      return lock.run(vmId, async () => {
        const vm = mustGet(vmId);
        const attachment = vm.shares.find((s) => s.tag === tag);
        if (!attachment) throw notFound('share attachment', tag);
        if (isActive(vm.state) && !attachment.pending)
          throw conflict('requires_stop', `stop the VM to detach share ${tag}: the guest may have files open on it`);
        return publish(deps.vms.update(vmId, { shares: vm.shares.filter((s) => s.tag !== tag) }));
      });
    },

    /** The root file system share of a UML VM, checked like every share right before the start. */
    rootForLaunch(vm: VmRecord): string | null {
      if (!vm.umlRootShareId) return null;
      const share = deps.shares.get(vm.umlRootShareId);
      if (!share) throw conflict('share_missing', 'the root file system share no longer exists');
      try {
        return resolve(share.path, 'umlRootShareId');
      } catch (err) {
        throw conflict('share_invalid', `root share ${share.name} cannot be exported: ${(err as Error).message}`);
      }
    },

    /**
     * After a run: set-id bits the guest left in its writable shares are cleared, so that nothing
     * it wrote gives privileges on the host wherever the share's mount is not nosuid.
     */
    scrubAfterRun(vm: VmRecord): string[] {
      const problems: string[] = [];
      const writable = [...vm.shares.filter((x) => !x.readonly).map((x) => x.shareId), ...(vm.umlRootShareId ? [vm.umlRootShareId] : [])];
      for (const id of writable) {
        const share = deps.shares.get(id);
        if (!share || !deps.scrubShare) continue;
        try {
          deps.scrubShare(beneath(share.path, 'share'));
        } catch (err) {
          problems.push(`share ${share.name}: set-id bits could not be checked: ${(err as Error).message}`);
        }
      }
      return problems;
    },

    /** Right before a start: each share resolved and checked again, or the start is refused. */
    sharesForLaunch(vm: VmRecord): LaunchShare[] {
      return vm.shares.map((s, i) => {
        const share = deps.shares.get(s.shareId);
        if (!share) throw conflict('share_missing', `share ${s.tag} no longer exists`);
        try {
          return { ...s, pending: false, ...beneath(share.path, `shares.${i}`) };
        } catch (err) {
          throw conflict('share_invalid', `share ${share.name} cannot be exported: ${(err as Error).message}`);
        }
      });
    },
  };
}
