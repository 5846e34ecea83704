import type {
  AcceleratorChoice,
  BootOrder,
  CpuTopology,
  Hypervisor,
  ImageFormat,
  Network,
  Pinning,
  VmDisk,
  VmPending,
  VmState,
} from '@strata/contract';

/** How a guest boots when its disk carries no boot loader of its own (the default guest). */
export interface BootSpec {
  kernel: string;
  initrd: string | null;
  /** Appended after what Strata puts on the command line itself (console, root). */
  cmdline: string;
}

export interface ImageRecord {
  id: string;
  name: string;
  path: string;
  format: ImageFormat;
  parentId: string | null;
  virtualSize: number;
  protected: boolean;
  /** The VM this layer is private to (its writable top or one of its snapshots), if any. */
  ownerVmId: string | null;
  boot: BootSpec | null;
  /** The parent as it was when this layer was made on it; qcow2 itself records only its path. */
  parentFingerprint: Fingerprint | null;
  /** Set when Strata knowingly broke this layer (a confirmed merge into its parent). */
  invalidReason: string | null;
  snapshot: { name: string; description: string; takenAt: string } | null;
  /** A UML COW layer not made yet: UML creates the file when the VM first starts. */
  pendingFirstUse?: boolean;
  /** An in-place commit of this child into this layer began and has not finished: alone, it reads as neither. */
  mergingInto?: string | null;
  createdAt: string;
}

/** Identity of a file as stat sees it (nanosecond times), plus its sha256 once computed. */
export interface Fingerprint {
  dev: number;
  ino: number;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  sha256: string | null;
}

export interface ShareRecord {
  id: string;
  name: string;
  /** Resolved (realpath) when it was created; resolved and checked again before every VM start. */
  path: string;
  createdAt: string;
}

export type NinePOptionsRecord = { version: string; msize: number; securityModel: string; cache: string };
export type VirtiofsOptionsRecord = {
  cache: 'none' | 'auto' | 'always';
  xattr: boolean;
  posixAcl: boolean;
  threadPoolSize: number;
  writeback: boolean;
};

interface AttachmentBase {
  shareId: string;
  tag: string;
  readonly: boolean;
  /** Attached while the VM ran and not plugged in: it takes effect at the next start. */
  pending?: boolean;
}

export type VmShareRecord =
  | (AttachmentBase & { transport: '9p'; options: NinePOptionsRecord })
  | (AttachmentBase & { transport: 'virtiofs'; options: VirtiofsOptionsRecord })
  | (AttachmentBase & { transport: 'hostfs'; options: Record<string, never> });

export interface VmRecord {
  id: string;
  name: string;
  hypervisor: Hypervisor;
  state: VmState;
  imageId: string;
  /** The topology is the maximum (maxcpus); `vcpus` are online, at boot and after hot-plug. */
  cpu: CpuTopology;
  vcpus: number;
  cpuModel: string | null;
  pinning: Pinning;
  memoryMiB: number;
  balloonMiB: number | null;
  accelerator: AcceleratorChoice;
  runningAccelerator: 'kvm' | 'tcg' | null;
  disks: VmDisk[];
  shares: VmShareRecord[];
  /** Image id of the medium in the CD-ROM drive. */
  cdrom: string | null;
  network: Network;
  boot: BootOrder;
  shutdownTimeoutSec: number;
  shutdownDeadline: string | null;
  /** UML: the directory backing guest memory (TMPDIR); null is the VM's own directory. */
  umlMemoryDir: string | null;
  /** UML: a share booted as the root file system over hostfs. */
  umlRootShareId: string | null;
  pid: number | null;
  /** Set when Strata asked the VM to stop, so that its exit is not mistaken for a crash. */
  stopRequested: boolean;
  /** Changes saved while the VM ran, applied by its next start (Vm.pending). */
  pending?: VmPending | null;
  /** Internal (never in the API): a benchmark VM, launched with the guest agent's channel open. */
  agent?: boolean;
  /** Started by Strata when it comes up after the host booted; absent on records made before it existed (false). */
  autostart?: boolean;
  lastError: string | null;
  createdAt: string;
  startedAt: string | null;
}
