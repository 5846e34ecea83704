import { Type, type Static } from 'typebox';

const Rate = Type.Number({ description: 'per second, computed on the server from counters' });

const DiskSample = Type.Object({
  id: Type.String(),
  readBps: Rate,
  writeBps: Rate,
  readIops: Rate,
  writeIops: Rate,
  readLatencyMs: Type.Union([Type.Number(), Type.Null()], { description: 'mean over the interval; null when no operation completed' }),
  writeLatencyMs: Type.Union([Type.Number(), Type.Null()]),
});

export const ShareSample = Type.Object({
  tag: Type.String(),
  transport: Type.String(),
  readBps: Rate,
  writeBps: Rate,
  /** How it was measured; "sum" when two 9p shares of one VM cannot be told apart. */
  method: Type.String(),
  exact: Type.Boolean({ description: 'false when the number covers more than this share (several 9p shares)' }),
});
export type ShareSample = Static<typeof ShareSample>;

export const VmSample = Type.Object({
  vmId: Type.String(),
  ts: Type.Number({ description: 'ms since the epoch' }),
  intervalMs: Type.Number(),
  cpu: Type.Array(Type.Object({ index: Type.Integer(), percent: Type.Number({ description: '100 = one host CPU busy' }) })),
  rssBytes: Type.Number(),
  disks: Type.Array(DiskSample),
  shares: Type.Array(ShareSample),
});
export type VmSample = Static<typeof VmSample>;

export const HostSample = Type.Object({
  ts: Type.Number(),
  cpuPercent: Type.Number({ description: 'all CPUs, 100 = every CPU busy' }),
  memUsedBytes: Type.Number(),
  memTotalBytes: Type.Number(),
  disk: Type.Object({ device: Type.String(), readBps: Rate, writeBps: Rate }),
});
export type HostSample = Static<typeof HostSample>;

/** What /api/v1/metrics/stream sends: `event: vm` or `event: host`, with an increasing id. */
export const MetricEvent = Type.Union([
  Type.Object({ type: Type.Literal('vm'), sample: VmSample }),
  Type.Object({ type: Type.Literal('host'), sample: HostSample }),
]);
export type MetricEvent = Static<typeof MetricEvent>;

export const MetricsStreamQuery = Type.Object(
  {
    vm: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), { maxItems: 100, description: 'VMs to watch; none: all' }),
    ),
    host: Type.Optional(Type.Boolean({ description: 'include host samples (default true)' })),
  },
  { additionalProperties: false },
);

export const MetricsHistoryQuery = Type.Object(
  {
    vm: Type.String({ description: "a VM id, or 'host'" }),
    series: Type.String({ pattern: '^[a-z0-9_.-]{1,128}$', description: 'e.g. disk.disk0.write_bps, cpu.0, share.docs.write_bps, rss' }),
    from: Type.Number({ description: 'ms since the epoch' }),
    to: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

export const MetricsHistory = Type.Object({
  series: Type.String(),
  resolutionMs: Type.Integer({ description: '1000 for the last hour, 60000 for a day, 600000 for 30 days' }),
  points: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { description: '[ts ms, value]' }),
});
export type MetricsHistory = Static<typeof MetricsHistory>;

export const ShareMetricsQuery = Type.Object(
  {
    range: Type.Union([Type.Literal('15m'), Type.Literal('1h'), Type.Literal('24h'), Type.Literal('7d')], {
      description: 'how far back from now: 15m, 1h, 24h or 7d',
    }),
  },
  { additionalProperties: false },
);
export type ShareMetricsQuery = Static<typeof ShareMetricsQuery>;

const Points = Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { description: '[ts ms, bytes per second]' });

/** A share's throughput over a range: every VM that used it in that time, summed, attached now or not. */
export const ShareMetrics = Type.Object({
  shareId: Type.String(),
  range: Type.String(),
  from: Type.Number({ description: 'ms since the epoch' }),
  to: Type.Number(),
  resolutionMs: Type.Integer({ description: '1000 for the last hour, 60000 for a day, 600000 beyond' }),
  read: Points,
  write: Points,
  inexact: Type.Boolean({ description: 'some points also count other 9p shares of a VM that could not tell them apart' }),
});
export type ShareMetrics = Static<typeof ShareMetrics>;

export const MetricsTrendsQuery = Type.Object(
  { minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'how far back; default 5' })) },
  { additionalProperties: false },
);

/** Each VM's recent disk and share I/O, read plus write, one point per recorded second: what the VM list draws before the stream extends it. */
export const MetricsTrends = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  vms: Type.Array(Type.Object({ vmId: Type.String(), disk: Points, shares: Points })),
});
export type MetricsTrends = Static<typeof MetricsTrends>;
