// Names of metric history series: the server records samples under them and the web asks for
// them by name (GET /metrics/history?series=...). Plain values, no TypeBox, so the web can import
// this module on its own (@strata/contract/series-names).

export type RateName = 'read_bps' | 'write_bps' | 'read_iops' | 'write_iops';

/** Series of one VM. */
export const vmSeries = {
  rss: 'rss',
  cpu: (index: number) => `cpu.${index}`,
  disk: (diskId: string, rate: RateName) => `disk.${diskId}.${rate}`,
  share: (tag: string, rate: 'read_bps' | 'write_bps') => `share.${tag}.${rate}`,
} as const;

/**
 * Series of one share, summed over every VM that used it in a sampling round, recorded under
 * shareHistoryKey(id): keyed by the share's id, not a VM's mount tag, so its history survives a
 * detach, a new tag and the VM's deletion.
 */
export const shareHistoryKey = (shareId: string) => `share:${shareId}`;
export const shareSeries = { read: 'read_bps', write: 'write_bps', inexact: 'inexact' } as const;

/** Series of the host, recorded under the VM id 'host'. */
export const hostSeries = {
  cpu: 'cpu',
  memUsed: 'mem_used',
  disk: (rate: 'read_bps' | 'write_bps') => `disk.${rate}`,
} as const;

/** The ranges history charts offer, in ms: the server and the web read the same table. */
export const HISTORY_RANGE_MS = { '15m': 15 * 60_000, '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type HistoryRangeName = keyof typeof HISTORY_RANGE_MS;
