import { useState } from 'react';
import type { ShareView } from '@strata/contract';
import { HISTORY_RANGE_MS, type HistoryRangeName } from '@strata/contract/series-names';
import { useShareMetrics } from '../../api/get-share-metrics';
import { useMetrics } from '../../api/metrics-stream';
import { Button } from '../../components/button';
import { TimeChart } from '../../components/time-chart';
import { useNow } from '../../components/use-now';
import { historySeries, joinShareSeries, liveShareSeries, type ShareSeries } from './share-series';

const LIVE_MS = 5 * 60_000;
const SERIES = [
  { label: 'read', color: '#4f46e5' },
  { label: 'write', color: '#f59e0b' },
];
type Range = 'live' | HistoryRangeName;

const chart = (share: ShareView, title: string, s: ShareSeries, window: [number, number]) => (
  <TimeChart
    title={`${share.name}: ${title}`}
    unit="bytes/s"
    testId={`share-chart-${share.name}`}
    series={SERIES}
    data={[s.xs, s.read, s.write]}
    window={window}
  />
);

/** The last five minutes: what was recorded before the page opened, then the stream. */
function LiveShareChart({ share }: { share: ShareView }) {
  const { vms } = useMetrics();
  const recent = useShareMetrics(share.id, '15m', true).data;
  const live = liveShareSeries(share, vms);
  // The window moves with the clock, so a share nobody writes to still scrolls.
  const end = Math.max(useNow(), (live.xs.at(-1) ?? 0) * 1000);
  const from = (end - LIVE_MS) / 1000;
  return chart(share, 'live throughput', joinShareSeries(historySeries(recent), live, from), [from, end / 1000]);
}

function HistoryShareChart({ share, range, end }: { share: ShareView; range: HistoryRangeName; end: number }) {
  const history = useShareMetrics(share.id, range);
  const s = historySeries(history.data);
  return (
    <>
      {chart(share, `throughput, last ${range}`, s, [(end - HISTORY_RANGE_MS[range]) / 1000, end / 1000])}
      {history.data && s.xs.length === 0 && (
        <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">Nothing recorded in this range.</p>
      )}
      {history.data?.inexact && (
        <p className="mt-1 text-xs text-amber-700 dark:text-amber-300">
          Some points include other 9p shares of the same VM: QEMU counts a VM's 9p traffic as one.
        </p>
      )}
    </>
  );
}

function note(share: ShareView, vms: ReturnType<typeof useMetrics>['vms']): string {
  const methods = [
    ...new Set(share.usedBy.flatMap((u) => (vms.get(u.vmId)?.at(-1)?.shares ?? []).filter((x) => x.tag === u.tag).map((x) => x.method))),
  ];
  if (methods.length > 0) return `Measured from ${methods.join('; ')}; summed over the VMs using it.`;
  if (share.usedBy.some((u) => u.transport === 'hostfs'))
    return 'hostfs counts no traffic per share, so none is shown rather than a guess.';
  if (share.usedBy.length === 0) return 'No VM uses it now; what VMs did with it before is kept in its history.';
  return 'No live samples: the VMs using it are not running.';
}

/**
 * Each share's throughput, summed over every VM that used it: live (five minutes, streamed) or
 * from the server's history, which is kept by share and so outlasts a detach.
 */
export function ShareCharts({ shares }: { shares: ShareView[] }) {
  const [range, setRange] = useState<Range>('live');
  const [openedAt, setOpenedAt] = useState(() => Date.now());
  const { vms } = useMetrics(range !== 'live');
  return (
    <section aria-labelledby="share-throughput" className="mt-6">
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <h2 id="share-throughput" className="mr-2 text-base font-semibold">
          Throughput
        </h2>
        <div role="group" aria-label="Time range" className="flex flex-wrap gap-2">
          {(['live', ...(Object.keys(HISTORY_RANGE_MS) as HistoryRangeName[])] as const).map((r) => (
            <Button
              key={r}
              variant={range === r ? 'primary' : 'secondary'}
              aria-pressed={range === r}
              onClick={() => {
                setRange(r);
                setOpenedAt(Date.now());
              }}
            >
              {r === 'live' ? 'Live' : r}
            </Button>
          ))}
        </div>
        <span className="text-xs text-slate-500 dark:text-slate-400">
          {range === 'live' ? 'the last 5 minutes, one sample per second' : 'history is kept in 1 s / 1 min / 10 min steps'}
        </span>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        {shares.map((share) => (
          <div key={share.id} className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
            {range === 'live' ? <LiveShareChart share={share} /> : <HistoryShareChart share={share} range={range} end={openedAt} />}
            <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">{note(share, vms)}</p>
          </div>
        ))}
      </div>
    </section>
  );
}
