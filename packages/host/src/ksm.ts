import { existsSync, readdirSync, readFileSync } from 'node:fs';

const KSM = '/sys/kernel/mm/ksm';

/** Kernel same-page merging, read-only: whether it runs and how many pages it shares. */
export function readKsm(root = KSM): { available: boolean; running: boolean; pagesShared: number; pagesSharing: number } {
  if (!existsSync(`${root}/run`)) return { available: false, running: false, pagesShared: 0, pagesSharing: 0 };
  const read = (name: string) => Number(readFileSync(`${root}/${name}`, 'utf8').trim()) || 0;
  return { available: true, running: read('run') === 1, pagesShared: read('pages_shared'), pagesSharing: read('pages_sharing') };
}

/** Bridge/tap networking needs a bridge and /dev/net/tun that an administrator set up. */
export function bridgeAvailability(sysNet = '/sys/class/net'): { available: boolean; reason: string } {
  const bridges = existsSync(sysNet) ? readdirSync(sysNet).filter((n) => existsSync(`${sysNet}/${n}/bridge`)) : [];
  if (!existsSync('/dev/net/tun')) return { available: false, reason: '/dev/net/tun is missing, so no tap devices can be made' };
  if (bridges.length === 0)
    return {
      available: false,
      reason: 'no network bridge exists on this host (none in /sys/class/net); set one up to use bridged networking',
    };
  return {
    available: false,
    reason: `bridges exist (${bridges.join(', ')}), but Strata does not manage bridged networking yet; use user-mode networking with port forwards`,
  };
}
