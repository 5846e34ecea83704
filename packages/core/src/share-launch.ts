import { conflict } from './errors.js';
import type { LaunchShare } from './ports.js';
import type { VmRecord } from './records.js';
import type { VmContext } from './vm-context.js';
import { beneath } from './vm-shares.js';

/** What a start and the end of a run do with a VM's shares; internal to the lifecycle. */
export interface ShareLaunch {
  /** Right before a start: each share resolved and checked again, or the start is refused. */
  sharesForLaunch(vm: VmRecord): LaunchShare[];
  /** The root file system share (UML over hostfs), checked like every share right before the start. */
  rootForLaunch(vm: VmRecord): string | null;
  /**
   * After a run: set-id bits the guest left in its writable shares are cleared, so that nothing
   * it wrote gives privileges on the host wherever the share's mount is not nosuid. Returns problems.
   */
  scrubAfterRun(vm: VmRecord): string[];
}

type LaunchDeps = Pick<VmContext, 'deps'>;

function sharesForLaunch(d: LaunchDeps, vm: VmRecord): LaunchShare[] {
  return vm.shares.map((s, i) => {
    const share = d.deps.shares.get(s.shareId);
    if (!share) throw conflict('share_missing', `share ${s.tag} no longer exists`);
    try {
      return { ...s, pending: false, ...beneath(d, share.path, `shares.${i}`) };
    } catch (err) {
      throw conflict('share_invalid', `share ${share.name} cannot be exported: ${(err as Error).message}`);
    }
  });
}

function rootForLaunch(d: LaunchDeps, vm: VmRecord): string | null {
  if (!vm.umlRootShareId) return null;
  const share = d.deps.shares.get(vm.umlRootShareId);
  if (!share) throw conflict('share_missing', 'the root file system share no longer exists');
  try {
    return beneath(d, share.path, 'umlRootShareId').path;
  } catch (err) {
    throw conflict('share_invalid', `root share ${share.name} cannot be exported: ${(err as Error).message}`);
  }
}

function scrubAfterRun(d: LaunchDeps, vm: VmRecord): string[] {
  const problems: string[] = [];
  const writable = [...vm.shares.filter((x) => !x.readonly).map((x) => x.shareId), ...(vm.umlRootShareId ? [vm.umlRootShareId] : [])];
  for (const id of writable) {
    const share = d.deps.shares.get(id);
    if (!share || !d.deps.scrubShare) continue;
    try {
      d.deps.scrubShare(beneath(d, share.path, 'share'));
    } catch (err) {
      problems.push(`share ${share.name}: set-id bits could not be checked: ${(err as Error).message}`);
    }
  }
  return problems;
}

export function createShareLaunch(d: LaunchDeps): ShareLaunch {
  return {
    sharesForLaunch: (vm) => sharesForLaunch(d, vm),
    rootForLaunch: (vm) => rootForLaunch(d, vm),
    scrubAfterRun: (vm) => scrubAfterRun(d, vm),
  };
}
