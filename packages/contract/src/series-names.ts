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

/** Series of the host, recorded under the VM id 'host'. */
export const hostSeries = {
  cpu: 'cpu',
  memUsed: 'mem_used',
  disk: (rate: 'read_bps' | 'write_bps') => `disk.${rate}`,
} as const;
