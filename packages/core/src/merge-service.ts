import type { Job, MergeBody, MergePlan } from '@strata/contract';
import type { LiveMergeHandle, MergeDeps, MergeFiles, MergeJobs } from './merge-deps.js';
import { recoverMerge } from './merge-recovery.js';
import { planFor, startMerge, targetOf } from './merge-start.js';
import type { EventSink, ImageRepository, VmRepository } from './ports.js';
import type { BootSpec, VmRecord } from './records.js';

export type { LiveMergeHandle, MergeDeps, MergeFiles, MergeJobs } from './merge-deps.js';

/**
 * Merges that never lose data. A commit into a parent only this disk uses is done in place and
 * costs what the top holds (merge-in-place.ts); a restart runs it again. Stream and new base write
 * the merged chain to a new file (merge-offline.ts); live merges are QEMU block jobs
 * (merge-live.ts). Where formats differ, merge-strategy.ts chooses by the layer's format.
 */
export interface MergeService {
  /** What each mode would do to this layer, or why it is refused. */
  plan(imageId: string): MergePlan;
  /** Starts the chosen mode as a job, or refuses it with the plan's reason. */
  merge(imageId: string, body: MergeBody): Job;
}

/** The part of the VM service's context merges use (vm-context.ts's mergeContextOf builds it). */
export interface MergeHost {
  deps: {
    images: ImageRepository;
    vms: VmRepository;
    files: MergeFiles;
    events: EventSink;
    newId(): string;
    now(): string;
    vmDir(id: string): string;
  };
  /** A running VM, seen only through its live disks (absent when its hypervisor has none). */
  live: { get(vmId: string): { handle: LiveMergeHandle } | undefined };
  lock: { run<T>(key: string, work: () => Promise<T>): Promise<T> };
  /** Why a VM whose process runs is not attached, or undefined. */
  unattached(vmId: string): string | undefined;
  publish(vm: VmRecord): Promise<unknown>;
  bootOf(imageId: string): BootSpec | null;
}

export function mergeDepsOf(ctx: MergeHost): MergeDeps {
  const { images, vms, files, events, newId, now, vmDir } = ctx.deps;
  return {
    images,
    vms,
    files,
    events,
    newId,
    now,
    vmDir,
    liveHandle: (vmId) => ctx.live.get(vmId)?.handle,
    unattached: (vmId) => ctx.unattached(vmId),
    exclusive: (vmId, work) => ctx.lock.run(vmId, work),
    publish: (vm) => ctx.publish(vm),
    bootOf: (imageId) => ctx.bootOf(imageId),
  };
}

export function createMergeService(ctx: MergeHost, jobs: MergeJobs): MergeService {
  const deps = mergeDepsOf(ctx);
  jobs.onRecover('merge', (record) => recoverMerge(deps, record));
  return {
    plan: (imageId) => planFor(deps, targetOf(deps, imageId)),
    merge: (imageId, body) => startMerge(deps, jobs, imageId, body),
  };
}
