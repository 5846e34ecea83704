// How a 9p variant is named wherever a person reads it: column headings, recommendations, exports.
// Plain values, no TypeBox, so the web can import this module on its own (@strata/contract/bench-names).

/** The VirtFS article's msize (its mount line says msize=100000000), far above what a virtio guest accepts. */
export const ARTICLE_MSIZE = 100_000_000;
/** The msize option's value when the mount leaves msize to the kernel. */
export const KERNEL_DEFAULT_MSIZE = 'kernel default';

/** A byte count as people say it: 100000000 is the article's "100 MB", 524288 "512 KiB", 512000 "500 KiB". */
export function byteWords(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return `${bytes} bytes`;
  if (bytes % 1048576 === 0) return `${bytes / 1048576} MiB`;
  if (bytes % 1000000 === 0) return `${bytes / 1000000} MB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** A 9p variant's name: "msize 100 MB", "msize 512 KiB", or "kernel default msize" when the mount leaves it out. */
export const msizeVariant = (msize: number | typeof KERNEL_DEFAULT_MSIZE): string =>
  msize === KERNEL_DEFAULT_MSIZE ? 'kernel default msize' : `msize ${byteWords(msize)}`;

/**
 * A variant's name with bare byte counts put in words: runs recorded before the names above said
 * "msize 100000000", and read the same as new ones this way.
 */
export const variantWords = (variant: string): string => variant.replace(/\bmsize (\d{4,})\b/, (_, n: string) => msizeVariant(Number(n)));
