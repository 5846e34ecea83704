import type { Accelerator, CowInfo, HostInfo, ShareTransport, StrataEvent, VmCapabilities, VmCreate, VmPatch } from '@strata/contract';
import type { BootSpec, Fingerprint, ImageRecord, ShareRecord, VmRecord, VmShareRecord } from './records.js';
import type { RawCounters } from './metrics-rates.js';

export interface VmRepository {
  list(): VmRecord[];
  get(id: string): VmRecord | undefined;
  findByName(name: string): VmRecord | undefined;
  insert(vm: VmRecord): void;
  update(id: string, patch: Partial<VmRecord>): VmRecord;
  remove(id: string): void;
}

/** Records kept by id, found by name (names may repeat). */
export interface Repository<T> {
  list(): T[];
  get(id: string): T | undefined;
  findByName(name: string): T[];
  insert(record: T): void;
  update(id: string, patch: Partial<T>): T;
  remove(id: string): void;
}

export type ImageRepository = Repository<ImageRecord>;

/** A backing file's mtime (whole seconds) and size. */
export interface CowStamp {
  mtime: number;
  size: number;
}
export type ShareRepository = Repository<ShareRecord>;

/** Files on disk: the only place core learns sizes or makes layers, so it stays free of fs and qemu-img. */
export interface ImageFiles {
  /** Creates a copy-on-write layer on `parent` at a new path and returns that path and its virtual size. */
  createOverlay(parent: ImageRecord, id: string): Promise<{ path: string; virtualSize: number }>;
  allocatedSize(path: string): number;
  /** Makes a base read-only on disk (mode a-w), as it is in the model. */
  protect(path: string): Promise<void>;
  /** The writable top of a disk is read-write on disk again. */
  unprotect(path: string): Promise<void>;
  /** A UML COW file's header, or null when the file is missing or is no COW. */
  cowHeader(path: string): CowInfo | null;
  /**
   * Why the file no longer opens as `format` (qemu-img info -f format, never probed; a UML COW's
   * header parsed), or null when it does or is missing. Answers from a cache keyed by the file's
   * identity, so it is cheap to ask on every listing.
   */
  openProblem?(path: string, format: string): string | null;
  /** uml_moo: writes `backing` + `cow` into `target`, a new file. */
  umlMerge(cow: string, backing: string, target: string, options: { onProgress(p: number): void; signal: AbortSignal }): Promise<void>;
  /** Reads all three and checks every sector: the COW's where its bitmap says so, the backing's elsewhere. */
  verifyUmlMerge(cow: string, backing: string, merged: string): Promise<string | null>;
  /** The backing's mtime (whole seconds) and size, as a UML COW header records them. */
  backingStamp(path: string): CowStamp;
  /**
   * uml_moo -d: the COW's sectors written into `backing` in place. A header left by an interrupted
   * run at exactly the `journaled` stamp is restamped to the backing's present one first.
   */
  umlMergeInPlace(cow: string, backing: string, journaled: CowStamp): Promise<void>;
  /** The backing holds the COW's bytes at every sector its bitmap marks (and only those are read). */
  verifyUmlInPlace(cow: string, backing: string, journaled: CowStamp): Promise<string | null>;
  /**
   * qemu-img commit -d of a qcow2 top into `parent`, the backing its header names: only the top's
   * clusters are written. Then qemu-img check of `parent` and the ranges `top` holds compared
   * with it: returns what differs, or null.
   */
  commitInPlace(top: string, parent: string, options: { onProgress(p: number): void }): Promise<string | null>;
  /**
   * qemu-img rebase -b '' of a qcow2 top, in place: what the layers below show is pulled into it,
   * then its backing is dropped. `reference` (a copy of the top taken first, removed after) is
   * what it is compared with. Returns what differs, or null.
   */
  streamInPlace(top: string, reference: string, options: { onProgress(p: number): void }): Promise<string | null>;
  /** The backing file a qcow2 names in its header (qemu-img info -U -f format), or null. */
  backingOf(path: string, format: string): Promise<string | null>;
  removeFile(path: string): Promise<void>;
  exists(path: string): boolean;
  /** stat identity of the file, without its hash; null when it does not exist. */
  fingerprint(path: string): Fingerprint | null;
  sha256(path: string): Promise<string>;
  pathFor(id: string, format: string): string;
  freeSpace(): number;
  /**
   * Writes the guest-visible content of `source`'s chain (read as `sourceFormat`, never probed) to
   * `target` (qcow2 unless `format`): standalone, or as an overlay on `backing`. Reports progress
   * from 0 to 1; the signal aborts it.
   */
  convert(
    source: string,
    sourceFormat: string,
    target: string,
    options: { backing?: { path: string; format: string }; format?: string; onProgress(p: number): void; signal: AbortSignal },
  ): Promise<void>;
  createBlank(
    path: string,
    options: { format: string; sizeBytes: number; clusterSize?: number; preallocation?: string; lazyRefcounts?: boolean; compat?: string },
  ): Promise<void>;
  /** What qemu-img info says of a file opened as its recorded `format`: guest-visible size and backing file. */
  inspect(path: string, format: string): Promise<{ format: string; virtualSize: number; backing: string | null }>;
  resize(path: string, format: string, sizeBytes: number): Promise<void>;
  checkReport(path: string, format: string): Promise<{ ok: boolean; errors: number; leaks: number; report: string }>;
  /**
   * A regular file with one link inside the import directory, opened with no symlink at any
   * component and held from here on; throws invalid('body.path', reason) when it is refused.
   */
  openImport(relative: string): ImportSource;
  copy(from: string, to: string, signal: AbortSignal): Promise<void>;
  /** true when both show the guest the same bytes (qemu-img compare -f formatA -F formatB). */
  sameContent(a: string, formatA: string, b: string, formatB: string): Promise<boolean>;
  /** qemu-img check; throws with its report when the image has errors. */
  check(path: string, format: string): Promise<void>;
  /** fsync the file and its directory, so a rename after it survives a crash. */
  sync(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

/** A file from the import directory, held open from the request on. */
export interface ImportSource {
  /** The format Strata read from the file's own first bytes, never qemu-img's guess. */
  readonly format: string;
  /**
   * Copies the held file to `copy` (a path only the server writes) and proves the copy is one
   * self-contained image of `format`: no backing file, external data file, foreign extent or
   * json: name. Throws the reason otherwise.
   */
  take(copy: string, signal: AbortSignal): Promise<{ virtualSize: number }>;
  /** Lets go of the descriptor; safe to call more than once. */
  close(): void;
}

export interface JobRecord {
  id: string;
  name: string;
  kind: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: number;
  title: string;
  vmId: string | null;
  imageId: string | null;
  /** What has been done so far, so a restart can finish or undo it. */
  journal: Record<string, unknown>;
  error?: string;
  result?: string;
  createdAt: string;
  updatedAt: string;
}

export interface JobRepository {
  list(): JobRecord[];
  get(id: string): JobRecord | undefined;
  insert(job: JobRecord): void;
  update(id: string, patch: Partial<JobRecord>): JobRecord;
}

export interface LaunchDisk {
  id: string;
  path: string;
  format: string;
  bus: 'virtio' | 'scsi' | 'ide';
  /** The plain file under a UML COW (ubdN=COW,BACKING); every other format names its own backing. */
  backing?: string;
}

/**
 * `path` is the share's checked realpath, `root` the allowed root it lies beneath. QEMU's driver
 * never hands `path` to a process: it opens it again beneath `root` and passes the held directory.
 */
export type LaunchShare = VmShareRecord & { path: string; root?: string };

export interface LaunchPlan {
  vm: VmRecord;
  accelerator: Accelerator;
  disks: LaunchDisk[];
  boot: BootSpec | null;
  /** Path of the raw image in the CD-ROM drive. */
  cdrom: string | null;
  /** Exports, each with its directory resolved and checked just before this start. */
  shares: LaunchShare[];
  /** UML: the root file system's directory (hostfs), resolved and checked like a share. */
  umlRoot?: string | null;
  /** The VM's own directory: sockets, pidfile, logs. */
  dir: string;
  /** Open the benchmark agent's channel and start the guest's agent (RunningVm.agent is then present). */
  agent?: boolean;
}

export interface ExitInfo {
  /** The guest powered itself off or Strata stopped it: not a crash. */
  clean: boolean;
  reason: string;
}

/**
 * A hypervisor process that runs detached from the server and can be found again after a restart.
 * The base is what every hypervisor does; what only some can do is an optional facet, present
 * exactly when the driver declares the matching capability, so nothing is stubbed "unsupported".
 */
export interface RunningVm {
  readonly pid: number;
  /** QEMU: a socket both ways, logged to a file. UML: output into the log file, input into a FIFO. */
  readonly console: { logPath: string; socketPath?: string; inputPath?: string };
  onExit(listener: (info: ExitInfo) => void): void;
  /** Stops the VM at once (QMP quit or killing the sandbox). */
  forceStop(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  reset(): Promise<void>;
  /** Asks the guest to power off (the ACPI power button, UML's Ctrl-Alt-Del); the guest decides. */
  powerdown(): Promise<void>;
  /** Thread id of each online vCPU, for pinning and per-vCPU statistics. */
  vcpuThreads(): Promise<{ index: number; threadId: number }[]>;
  /** Counters for the metrics sampler (disks, CPU, memory, shares). */
  counters(shares: { tag: string; transport: string }[]): Promise<RawCounters>;
  /** Lets go of control channels without touching the process (server shutdown). */
  detach(): void;
  logTail(lines: number): Promise<string[]>;
  readonly vcpuHotplug?: VcpuHotplug;
  readonly balloon?: Balloon;
  readonly liveDisks?: LiveDisks;
  readonly liveShares?: LiveShares;
  readonly wholeVmPinning?: WholeVmPinning;
  readonly uml?: UmlControl;
  /** The guest's benchmark agent: present exactly when the VM was launched with `agent: true`. */
  readonly agent?: GuestAgent;
  /** Share daemons running beside the hypervisor (QEMU's virtiofsd), watched for their end. */
  readonly shareDaemons?: ShareDaemons;
}

export interface ShareDaemons {
  /**
   * `listener` gets the tag of each share whose daemon died while the VM runs (at once for those
   * already gone, e.g. found so after a server restart); never for a stop or a power-off.
   */
  onShareDaemonLost(listener: (tag: string) => void): void;
}

/**
 * The benchmark agent inside a guest made from Strata's default image, on a channel of its own
 * (a virtio-serial port on QEMU, a dedicated serial line on UML), never the console.
 */
export interface GuestAgent {
  /**
   * Sends one request line to the guest's agent and resolves with its reply; rejects with a reason
   * a person can read when the guest dies, stays silent past timeoutMs, answers garbage, or the
   * signal aborts.
   */
  call(request: AgentRequest, options: { timeoutMs: number; signal?: AbortSignal }): Promise<AgentReply>;
}

export type AgentRequest =
  | { op: 'ping' }
  /** Mounts at /bench/<tag>; options '' = none (e.g. 9p with the kernel's default msize). */
  | { op: 'mount'; transport: '9p' | 'virtiofs' | 'hostfs'; tag: string; options: string }
  /** Finds the block device of exactly that size: reply { path: '/dev/vdb' }. */
  | { op: 'device'; sizeBytes: number }
  | {
      op: 'fio';
      /** /bench/<tag>/<file> or /dev/<name>. */
      path: string;
      rw: 'read' | 'write' | 'randread' | 'randwrite';
      blockSize: number;
      sizeMiB: number;
      direct: boolean;
      runtimeSec: number;
    }
  | { op: 'dropcaches' };

/** `fio` is fio's parsed JSON, still untrusted. */
export type AgentReply = { ok: true; path?: string; fio?: unknown } | { ok: false; error: string };

export interface VcpuHotplug {
  /** Plugs vCPUs in until `count` are present (never unplugs). */
  hotplugVcpus(count: number): Promise<void>;
}

export interface Balloon {
  setBalloon(bytes: number): Promise<void>;
}

/** Snapshots and merges of a running VM's disks, as QEMU block jobs. */
export interface LiveDisks {
  /** Freezes the disk's active layer and continues on a new qcow2 overlay QEMU makes at `path`. */
  snapshotDisk(diskId: string, path: string): Promise<void>;
  /** Live merges; each resolves when the disk has pivoted. */
  commitDisk(diskId: string, parentPath: string, options: LiveJobOptions): Promise<void>;
  streamDisk(diskId: string, options: LiveJobOptions): Promise<void>;
  mirrorDisk(diskId: string, target: string, options: LiveJobOptions): Promise<void>;
  /** After a restart: complete block jobs that reached READY and cancel the others. */
  settleBlockJobs(): Promise<void>;
  activeFile(diskId: string): Promise<string>;
  /** Grows the disk's active layer while the guest runs (QMP block_resize); the guest sees the new size at once. */
  resizeDisk?(diskId: string, sizeBytes: number): Promise<void>;
}

export interface LiveShares {
  /** Plugs a share into the running guest; false when it cannot be now (it then applies at next start). */
  attachShare(share: LaunchShare): Promise<boolean>;
}

/** UML runs guest processes in host processes of their own: pinning applies to every thread of all of them. */
export interface WholeVmPinning {
  pinAll(cpus: number[]): Promise<void>;
}

/** UML's management console: its commands, and blank scratch disks plugged in and out live. */
export interface UmlControl {
  mconsole(command: string[]): Promise<string>;
  ubdDevices(): Promise<{ device: string; path: string; sizeBytes: number }[]>;
  addScratchDisk(sizeMiB: number): Promise<{ device: string; path: string; sizeBytes: number }>;
  removeScratchDisk(device: string): Promise<void>;
}

export interface LiveJobOptions {
  onProgress(fraction: number): void;
  signal: AbortSignal;
  onReady?(): void;
}

/** The on-disk layer a hypervisor boots from and how core makes and snapshots it. */
export interface DiskModel {
  /** The format of a VM's base image. */
  baseFormat: 'qcow2' | 'raw';
  /** The format of its writable top: a qcow2 overlay, a UML COW file... */
  layerFormat: ImageRecord['format'];
  /**
   * Set when the hypervisor makes its top's file itself at first start (UML: ubdN=COW,BACKING):
   * core records the layer as pending, at `<id>.<extension>` in the VM's directory. null when
   * core makes the top at once (a qcow2 overlay).
   */
  madeAtFirstStart: { extension: string } | null;
  /** Whether a chain of layers of these formats (top first) is one this hypervisor boots. */
  bootsChain(formats: string[]): boolean;
  /** The name of the default base, from the server's default image name. */
  defaultImage(name: string): string;
  /** Why a base of another format is refused. */
  baseRefusal(image: { name: string; format: string }): string;
  /** Why a chain of the other kind (UML COW or not) cannot boot this hypervisor. */
  foreignChain: string;
}

/**
 * A hypervisor's own rules, kept with its driver so core never branches on the hypervisor's name.
 * Each refusal throws invalid(field, reason) naming the field, as the API reports it.
 */
export interface HypervisorRules {
  /** Refuses what a new VM of this kind cannot have, before anything is made. */
  checkCreate(body: VmCreate): void;
  /** The fixed settings a new VM of this kind gets, from the request (defaults filled in by core). */
  shape(body: VmCreate): Pick<VmRecord, 'cpu' | 'vcpus' | 'cpuModel' | 'accelerator' | 'cdrom' | 'network' | 'boot'> & {
    bus: LaunchDisk['bus'];
    umlMemoryDir: string | null;
    umlRootShareId: string | null;
  };
  /** Refuses a change to what this hypervisor does not have. */
  checkPatch(patch: VmPatch): void;
  /** Why a share transport cannot be attached to this hypervisor's VMs, or null when it fits. */
  shareRefusal(transport: ShareTransport): string | null;
  disk: DiskModel;
}

export interface HypervisorDriver {
  /** A name for people ("QEMU", "UML"). */
  readonly label: string;
  readonly capabilities: VmCapabilities;
  readonly rules: HypervisorRules;
  launch(plan: LaunchPlan): Promise<RunningVm>;
  /**
   * Finds a VM's process again from its directory: null when it is no longer running; rejects
   * when it runs and is this VM's but could not be taken control of (the caller leaves it alone).
   */
  reattach(vm: VmRecord, dir: string): Promise<RunningVm | null>;
  logTail(dir: string, lines: number): Promise<string[]>;
  /** Ends what a VM that is no longer running left behind (helper daemons, sockets, pidfiles). */
  cleanup(dir: string): Promise<void>;
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
