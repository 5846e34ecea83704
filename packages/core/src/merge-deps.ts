import type { JobService } from './job-service.js';
import type { EventSink, ImageFiles, ImageRepository, LiveDisks, VmRepository } from './ports.js';
import type { BootSpec, VmRecord } from './records.js';

/** What merges ask of the files on disk. */
export type MergeFiles = Pick<
  ImageFiles,
  | 'allocatedSize'
  | 'backingOf'
  | 'backingStamp'
  | 'check'
  | 'commitInPlace'
  | 'convert'
  | 'cowHeader'
  | 'createOverlay'
  | 'exists'
  | 'fingerprint'
  | 'freeSpace'
  | 'pathFor'
  | 'protect'
  | 'removeFile'
  | 'rename'
  | 'sameContent'
  | 'sha256'
  | 'streamInPlace'
  | 'sync'
  | 'umlMerge'
  | 'umlMergeInPlace'
  | 'unprotect'
  | 'verifyUmlInPlace'
  | 'verifyUmlMerge'
>;

/** What a live merge asks of the running VM: its block jobs and a live snapshot. */
export type LiveMergeHandle = LiveDisks;

/** What merges ask of the job service. */
export type MergeJobs = Pick<JobService, 'start' | 'activeFor' | 'onRecover'>;

/** Everything a merge's steps reach; each step is a function of these and the journal. */
export interface MergeDeps {
  images: ImageRepository;
  vms: VmRepository;
  files: MergeFiles;
  events: EventSink;
  newId(): string;
  now(): string;
  vmDir(vmId: string): string;
  /** The running VM's live disks, when it runs and its hypervisor merges live. */
  liveHandle(vmId: string): LiveMergeHandle | undefined;
  /**
   * Why Strata holds no handle on a VM whose process still runs (a reattach was refused), or
   * undefined. No handle alone never means "gone": such a process may still write its disks.
   */
  unattached(vmId: string): string | undefined;
  /** Serialises work on one VM with its start, stop and configuration. */
  exclusive<T>(vmId: string, work: () => Promise<T>): Promise<T>;
  /** Tells the VM's viewers it changed. */
  publish(vm: VmRecord): Promise<unknown>;
  /** The boot spec of a layer's chain (the default guest's kernel sits on its root base). */
  bootOf(imageId: string): BootSpec | null;
}
