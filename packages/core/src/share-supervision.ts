import type { Live, VmContext } from './vm-context.js';
import { lostShareWarning } from './vm-warnings.js';

/**
 * A share daemon that dies under a running VM leaves the guest's accesses to that share hanging
 * and the VM looking healthy: it becomes a warning on the VM and on the share, an event for the
 * web, a log line and an audit entry, for as long as this run lasts (the entry goes with it).
 */
export function superviseShareDaemons(d: Pick<VmContext, 'deps' | 'live' | 'publish'>, vmId: string, entry: Live): void {
  entry.handle.shareDaemons?.onShareDaemonLost((tag) => {
    if (d.live.get(vmId) !== entry || entry.lostShares?.has(tag)) return;
    (entry.lostShares ??= new Set()).add(tag);
    const message = lostShareWarning(tag);
    // Called from a process watcher's timer, where a throw would end the server (a damaged VM row).
    let vm: ReturnType<typeof d.deps.vms.get>;
    try {
      vm = d.deps.vms.get(vmId);
    } catch (err) {
      d.deps.logger.error({ vmId, tag, err: String(err) }, message);
      vm = undefined;
    }
    d.deps.logger.warn({ vmId, vm: vm?.name, tag }, message);
    d.deps.audit?.({ action: 'share.daemon_lost', targetKind: 'vm', targetId: vmId, detail: { tag, message } });
    d.deps.events.emit({ type: 'shares.changed' });
    if (vm) void d.publish(vm).catch(() => undefined);
  });
}

/** The share attachment's warning on the Shares page, or null while its daemon is fine. */
export function shareAttachmentWarning(d: Pick<VmContext, 'live'>, vmId: string, tag: string): string | null {
  return d.live.get(vmId)?.lostShares?.has(tag) ? lostShareWarning(tag) : null;
}
