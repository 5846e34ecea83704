import type { Vm } from '@strata/contract';
import { conflict } from './errors.js';
import type { RunningVm } from './ports.js';
import type { VmRecord } from './records.js';
import { createVmConfig } from './vm-config.js';
import { createVmContext, type VmServiceDeps } from './vm-context.js';
import { createVmLifecycle } from './vm-lifecycle.js';
import { createVmDisks } from './vm-disks.js';
import { createVmShares } from './vm-shares.js';
import { createVmUml } from './vm-uml.js';
import { createMergeService } from './merge-service.js';
import type { JobService } from './job-service.js';
import { assertAction } from './vm-state.js';

export type { VmServiceDeps } from './vm-context.js';
export type VmService = ReturnType<typeof createVmService>;

export function createVmService(deps: VmServiceDeps, jobs: JobService) {
  const ctx = createVmContext(deps);
  const lifecycle = createVmLifecycle(ctx);
  const config = createVmConfig(ctx);
  const disks = createVmDisks(ctx);
  const shares = createVmShares(ctx);
  const merges = createMergeService(ctx, jobs);
  const { vms, images } = deps;

  return {
    ...lifecycle,
    ...config,
    ...disks,
    ...shares,
    ...createVmUml(ctx),
    planMerge: merges.plan,
    merge: merges.merge,

    async list(): Promise<Vm[]> {
      const host = await deps.host.info();
      return Promise.all(vms.list().map((vm) => ctx.toVm(vm, host)));
    },

    async remove(id: string): Promise<void> {
      await ctx.lock.run(id, async () => {
        const vm = ctx.mustGet(id);
        assertAction('delete', vm.state);
        const all = images.list();
        const own = all.filter((i) => i.ownerVmId === id);
        const ownIds = new Set(own.map((i) => i.id));
        const dependent = all.find((i) => i.parentId && ownIds.has(i.parentId) && !ownIds.has(i.id));
        if (dependent) {
          throw conflict('image_in_use', `a layer of this VM is the base of image '${dependent.name}'; delete or merge that first`);
        }
        for (const image of own) {
          await deps.files.removeFile(image.path);
          images.remove(image.id);
        }
        vms.remove(id);
        deps.events.emit({ type: 'vm.deleted', id });
        deps.events.emit({ type: 'images.changed' });
      });
    },

    async logTail(id: string, lines = 50): Promise<string[]> {
      const vm = ctx.mustGet(id);
      return ctx.driverFor(vm).logTail(deps.vmDir(vm.id), lines);
    },

    /** Every VM with a process, for the metrics sampler. */
    liveVms(): { record: VmRecord; handle: RunningVm }[] {
      return [...ctx.live].flatMap(([id, entry]) => {
        const record = vms.get(id);
        return record ? [{ record, handle: entry.handle }] : [];
      });
    },

    running(id: string): RunningVm | undefined {
      return ctx.live.get(id)?.handle;
    },
  };
}
