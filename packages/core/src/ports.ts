import type { Accelerator, HostInfo, StrataEvent } from '@strata/contract';
import type { BootSpec, ImageRecord, VmRecord } from './records.js';

export interface VmRepository {
  list(): VmRecord[];
  get(id: string): VmRecord | undefined;
  findByName(name: string): VmRecord | undefined;
  insert(vm: VmRecord): void;
  update(id: string, patch: Partial<VmRecord>): VmRecord;
  remove(id: string): void;
}

export interface ImageRepository {
  list(): ImageRecord[];
  get(id: string): ImageRecord | undefined;
  findByName(name: string): ImageRecord[];
  insert(image: ImageRecord): void;
  update(id: string, patch: Partial<ImageRecord>): ImageRecord;
  remove(id: string): void;
}

/** Files on disk: the only place core learns sizes or makes layers, so it stays free of fs and qemu-img. */
export interface ImageFiles {
  /** Creates a copy-on-write layer on `parent` at a new path and returns that path and its virtual size. */
  createOverlay(parent: ImageRecord, id: string): Promise<{ path: string; virtualSize: number }>;
  allocatedSize(path: string): number;
  /** Makes a base read-only on disk (mode a-w), as it is in the model. */
  protect(path: string): Promise<void>;
  removeFile(path: string): Promise<void>;
  exists(path: string): boolean;
}

export interface LaunchDisk {
  id: string;
  path: string;
  format: string;
  bus: 'virtio' | 'scsi' | 'ide';
}

export interface LaunchPlan {
  vm: VmRecord;
  accelerator: Accelerator;
  disks: LaunchDisk[];
  boot: BootSpec | null;
  /** Path of the raw image in the CD-ROM drive. */
  cdrom: string | null;
  /** The VM's own directory: sockets, pidfile, logs. */
  dir: string;
}

export interface ExitInfo {
  /** The guest powered itself off or Strata stopped it: not a crash. */
  clean: boolean;
  reason: string;
}

/** A hypervisor process that runs detached from the server and can be found again after a restart. */
export interface RunningVm {
  readonly pid: number;
  readonly console: { socketPath: string; logPath: string };
  onExit(listener: (info: ExitInfo) => void): void;
  /** Stops the VM at once (QMP quit, then SIGKILL). */
  forceStop(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  reset(): Promise<void>;
  /** Asks the guest to power off (the ACPI power button); the guest decides. */
  powerdown(): Promise<void>;
  /** Thread id of each online vCPU, for pinning and per-vCPU statistics. */
  vcpuThreads(): Promise<{ index: number; threadId: number }[]>;
  /** Plugs vCPUs in until `count` are present (never unplugs). */
  hotplugVcpus(count: number): Promise<void>;
  setBalloon(bytes: number): Promise<void>;
  /** Lets go of control channels without touching the process (server shutdown). */
  detach(): void;
  logTail(lines: number): Promise<string[]>;
}

export interface HypervisorDriver {
  launch(plan: LaunchPlan): Promise<RunningVm>;
  /** Finds a VM's process again from its directory; null when it is no longer running. */
  reattach(vm: VmRecord, dir: string): Promise<RunningVm | null>;
  logTail(dir: string, lines: number): Promise<string[]>;
}

export interface HostProvider {
  info(): Promise<HostInfo>;
  cpuModels(): Promise<string[]>;
}

/** CPU affinity of host threads (sched_setaffinity), so core need not know how it is done. */
export interface ThreadAffinity {
  set(threadId: number, cpus: number[]): Promise<void>;
  /** The vCPU thread's allowed CPUs and the CPU it last ran on. */
  get(pid: number, threadId: number): { affinity: number[]; lastCpu: number };
  /** Every thread of a process. */
  threads(pid: number): number[];
}

export interface EventSink {
  emit(event: StrataEvent): void;
}
