import type { ShareAttach, ShareCreate, Vm } from '@strata/contract';
import { StrataError, conflict, invalid, notFound } from './errors.js';
import type { ShareRecord, VmRecord, VmShareRecord } from './records.js';
import { resolveSharePath } from './share-path.js';
import type { VmContext } from './vm-context.js';
import { isActive } from './vm-state.js';

/** seed 002: msize is what makes 9p fast; 512 KiB unless the user says otherwise. */
export const NINEP_DEFAULTS = { version: '9p2000.L', msize: 524288, securityModel: 'mapped-xattr', cache: 'none' };

export const mountCommand = (s: VmShareRecord): string =>
  `mount -t 9p -o trans=virtio,version=${s.options.version},msize=${s.options.msize},cache=${s.options.cache}${s.readonly ? ',ro' : ''} ${s.tag} /mnt/${s.tag}`;

export const shareWarnings = (vm: VmRecord): string[] =>
  vm.shares.filter((s) => s.options.securityModel === 'passthrough').map((s) =>
    `share ${s.tag} uses security_model=passthrough: files the guest's root creates belong to root on the host`);

/** Host directories exported to VMs; 9p for now. Every path is checked again right before each start. */
export function createVmShares(ctx: VmContext) {
  const { deps, lock, mustGet, publish } = ctx;
  const mustGetShare = (id: string): ShareRecord => {
    const share = deps.shares.get(id);
    if (!share) throw notFound('share', id);
    return share;
  };
  const resolve = (path: string, field: string) => resolveSharePath(path, deps.shareRoots, deps.pathFs, field);
  const users = (shareId: string) => deps.vms.list().filter((v) => v.shares.some((s) => s.shareId === shareId));

  return {
    listShares: (): ShareRecord[] => deps.shares.list(),

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

    async attachShare(vmId: string, body: ShareAttach): Promise<Vm> {
      return lock.run(vmId, async () => {
        const vm = mustGet(vmId);
        if (isActive(vm.state)) throw new StrataError('conflict', 'requires_stop', 'QEMU cannot plug a 9p device into a running VM: attach it while the VM is stopped', 'body.shareId');
        const share = deps.shares.get(body.shareId);
        if (!share) throw invalid('body.shareId', `no share with id '${body.shareId}'`);
        if (vm.shares.some((s) => s.tag === body.tag)) throw conflict('tag_taken', `this VM has a share tagged '${body.tag}' already`);
        resolve(share.path, 'body.shareId');
        const attachment: VmShareRecord = { shareId: share.id, transport: '9p', tag: body.tag, readonly: body.readonly ?? false, options: { ...NINEP_DEFAULTS, ...body.options } };
        return publish(deps.vms.update(vmId, { shares: [...vm.shares, attachment] }));
      });
    },

    async detachShare(vmId: string, tag: string): Promise<Vm> {
      return lock.run(vmId, async () => {
        const vm = mustGet(vmId);
        if (isActive(vm.state)) throw conflict('requires_stop', 'stop the VM to detach a 9p share');
        if (!vm.shares.some((s) => s.tag === tag)) throw notFound('share attachment', tag);
        return publish(deps.vms.update(vmId, { shares: vm.shares.filter((s) => s.tag !== tag) }));
      });
    },

    /** Right before a start: each share resolved and checked again, or the start is refused. */
    sharesForLaunch(vm: VmRecord): (VmShareRecord & { path: string })[] {
      return vm.shares.map((s, i) => {
        const share = deps.shares.get(s.shareId);
        if (!share) throw conflict('share_missing', `share ${s.tag} no longer exists`);
        try {
          return { ...s, path: resolve(share.path, `shares.${i}`) };
        } catch (err) {
          throw conflict('share_invalid', `share ${share.name} cannot be exported: ${(err as Error).message}`);
        }
      });
    },
  };
}
