import type { MergeBody, MergePlan } from '@strata/contract';
import type { Job } from '@strata/contract';
import type { RunningVm } from './ports.js';
import type { VmRecord } from './records.js';
import { createVmConfig, type VmConfig } from './vm-config.js';
import { createVmContext, mergeContextOf, type VmServiceDeps } from './vm-context.js';
import { createVmLifecycle, type VmLifecycle } from './vm-lifecycle.js';
import { createVmDisks, type VmDisks } from './vm-disks.js';
import { createVmShares, type VmShares } from './vm-shares.js';
import { createShareLaunch } from './share-launch.js';
import { createVmUml, type VmUml } from './vm-uml.js';
import { createMergeService } from './merge-service.js';
import { createAutostart, type Autostart } from './autostart.js';
import { recoverCowSnapshot, UML_SNAPSHOT_JOB } from './uml-snapshot.js';
import { createVmClones, type VmClones } from './vm-clone.js';

export type { VmServiceDeps } from './vm-context.js';

/** Merges of a VM's disk layers, as journaled jobs. */
export interface VmMerges {
  planMerge(imageId: string): MergePlan;
  merge(imageId: string, body: MergeBody): Job;
}

/** The processes Strata holds, for the metrics sampler and the console. */
export interface VmRuntime {
  /** Every VM with a process. */
  liveVms(): { record: VmRecord; handle: RunningVm }[];
  running(id: string): RunningVm | undefined;
}

/** The VM services, each on its own interface, built once over one shared context. */
export interface VmServices {
  config: VmConfig;
  lifecycle: VmLifecycle;
  disks: VmDisks;
  shares: VmShares;
  uml: VmUml;
  merges: VmMerges;
  runtime: VmRuntime;
  clones: VmClones;
  /** Starts the VMs marked autostart when Strata comes up after a host boot. */
  autostart: Autostart;
}

export function createVmServices(deps: VmServiceDeps): VmServices {
  const ctx = createVmContext(deps);
  const merges = createMergeService(mergeContextOf(ctx), deps.jobs);
  const lifecycle = createVmLifecycle({ ...ctx, shares: createShareLaunch(ctx), retries: new Map() });
  deps.jobs.onRecover(UML_SNAPSHOT_JOB, recoverCowSnapshot(deps));
  return {
    config: createVmConfig(ctx),
    lifecycle,
    autostart: createAutostart(ctx, (id) => lifecycle.start(id)),
    disks: createVmDisks(ctx),
    clones: createVmClones(ctx),
    shares: createVmShares(ctx),
    uml: createVmUml(ctx),
    merges: { planMerge: (imageId) => merges.plan(imageId), merge: (imageId, body) => merges.merge(imageId, body) },
    runtime: {
      liveVms: () =>
        [...ctx.live].flatMap(([id, entry]) => {
          const record = deps.vms.get(id);
          return record ? [{ record, handle: entry.handle }] : [];
        }),
      running: (id) => ctx.live.get(id)?.handle,
    },
  };
}
