import type { BenchBlockSize, BenchPattern, BenchTarget } from '@strata/contract';
import { variantWords } from '@strata/contract/bench-names';

/** What each target is and what it measures, said in the dialog and as column headings. */
export interface TargetInfo {
  target: BenchTarget;
  label: string;
  hypervisor: 'QEMU' | 'UML';
  measures: string;
  /** How many variants a run measures for it (each a column of its own). */
  variants: number;
}

// In the contract's order, which is the order of columns and bars everywhere.
export const TARGETS: readonly TargetInfo[] = [
  {
    target: '9p',
    label: '9p',
    hypervisor: 'QEMU',
    measures:
      'A shared host directory over virtio-9p (the VirtFS article), with three msizes: the kernel default, Strata’s default and 100 MB.',
    variants: 3,
  },
  {
    target: 'virtiofs',
    label: 'virtiofs',
    hypervisor: 'QEMU',
    measures: 'A shared host directory through virtiofsd, with the three cache modes: none (Strata’s default), auto and always.',
    variants: 3,
  },
  {
    target: 'virtio-blk',
    label: 'virtio-blk',
    hypervisor: 'QEMU',
    measures: 'A raw disk image on the paravirtual block device.',
    variants: 1,
  },
  {
    target: 'virtio-scsi',
    label: 'virtio-scsi',
    hypervisor: 'QEMU',
    measures: 'A raw disk image behind a virtio SCSI controller.',
    variants: 1,
  },
  {
    target: 'ide',
    label: 'IDE',
    hypervisor: 'QEMU',
    measures: 'A raw disk image on an emulated IDE disk (full emulation, the article’s slowest).',
    variants: 1,
  },
  { target: 'hostfs', label: 'hostfs', hypervisor: 'UML', measures: 'A host directory mounted in a User-Mode Linux guest.', variants: 1 },
  { target: 'ubd', label: 'ubd', hypervisor: 'UML', measures: 'A raw disk image on User-Mode Linux’s block device.', variants: 1 },
];

export const targetLabel = (t: BenchTarget): string => TARGETS.find((i) => i.target === t)?.label ?? t;

export const PATTERNS: readonly { pattern: BenchPattern; label: string }[] = [
  { pattern: 'seq-read', label: 'Sequential read' },
  { pattern: 'seq-write', label: 'Sequential write' },
  { pattern: 'rand-read', label: 'Random read' },
  { pattern: 'rand-write', label: 'Random write' },
];

export const patternLabel = (p: BenchPattern): string => PATTERNS.find((i) => i.pattern === p)?.label ?? p;

export const BLOCK_SIZES: readonly BenchBlockSize[] = [4096, 65536, 1048576];

/** As the article writes them: 4 KB, 64 KB, 1 MB (binary sizes, decimal-looking names). */
export function blockLabel(bytes: number): string {
  if (bytes >= 1048576 && bytes % 1048576 === 0) return `${bytes / 1048576} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} B`;
}

/** A variant's name for headings: the same words the server's recommendations use (bare byte counts of older runs too). */
export { variantWords };

/**
 * A column's heading: the target and its variant, e.g. "9p msize 100 MB", "virtiofs cache=auto",
 * "IDE" (a target with one variant names it after itself).
 */
export const columnLabel = (target: BenchTarget, variant: string): string => {
  const name = targetLabel(target);
  return variant && variant !== target && variant !== name ? `${name} ${variantWords(variant)}` : name;
};
