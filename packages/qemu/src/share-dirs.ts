import { closeSync } from 'node:fs';
import { conflict, type LaunchShare } from '@strata/core';
import { openShareDir } from '@strata/host';

/** One share's directory, opened beneath its allowed root; what QEMU or virtiofsd receives. */
export function openLaunchShare(share: LaunchShare): number {
  if (!share.root) throw new Error(`share ${share.tag} names no allowed root to open it beneath`);
  try {
    return openShareDir(share.root, share.path);
  } catch (err) {
    // The share's directory, not Strata, is at fault: the user gets the reason, not a 500.
    throw conflict('share_invalid', `share ${share.tag} cannot be exported: ${(err as Error).message}`);
  }
}

/** Every QEMU share of a start, held open until the processes that need them have inherited them. */
export function openLaunchShares(shares: LaunchShare[]): { fdOf(tag: string): number; close(): void } {
  const held = new Map<string, number>();
  const close = () => {
    for (const fd of held.values()) closeSync(fd);
    held.clear();
  };
  try {
    for (const share of shares) if (share.transport !== 'hostfs') held.set(share.tag, openLaunchShare(share));
  } catch (err) {
    close();
    throw err;
  }
  return {
    fdOf(tag) {
      const fd = held.get(tag);
      if (fd === undefined) throw new Error(`share ${tag} is not held`);
      return fd;
    },
    close,
  };
}
