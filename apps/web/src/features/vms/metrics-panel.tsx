import { useMemo, useState } from 'react';
import type { MetricsHistory, Vm, VmSample } from '@strata/contract';
import type uPlot from 'uplot';
import { align, RANGES, useHistory, useRecentHistory, type HistoryRange } from '../../api/metrics-history';
import { useMetrics } from '../../api/metrics-stream';
import { Button } from '../../components/button';
import { Card } from '../../components/card';
import { Notice } from '../../components/feedback';
import { TimeChart } from '../../components/time-chart';
import { isRunning } from '../../shared/vm-state';
import { chartsFor, type ChartDef } from './metrics-charts';

const COLORS = ['#4f46e5', '#f59e0b', '#10b981', '#ef4444', '#0ea5e9', '#a855f7'];
const LIVE_MS = 5 * 60_000;

const colored = (def: ChartDef) => def.series.map((s, i) => ({ label: s.label, color: COLORS[i % COLORS.length]! }));
const recorded = (def: ChartDef) => def.series.flatMap((s) => (s.name === null ? [] : [s.name]));

/** History before the first streamed sample, then the stream: one x array, one column per series. */
function joinLive(def: ChartDef, recent: (MetricsHistory | undefined)[], samples: VmSample[], from: number): uPlot.AlignedData {
  const firstLive = samples[0]?.ts ?? Infinity;
  const [hx, ...hys] = align(recent);
  const names = recorded(def);
  const xs: number[] = [];
  const cols: (number | null)[][] = def.series.map(() => []);
  hx.forEach((x, i) => {
    if (x * 1000 < from || x * 1000 >= firstLive) return;
    xs.push(x);
    // Series with no history (live only) stay empty before the stream.
    def.series.forEach((s, c) => cols[c]!.push(s.name === null ? null : (hys[names.indexOf(s.name)]?.[i] ?? null)));
  });
  for (const s of samples) {
    if (s.ts < from) continue;
    xs.push(s.ts / 1000);
    def.series.forEach((d, c) => cols[c]!.push(d.pick(s) ?? null));
  }
  return [xs, ...cols];
}

function LiveChart({ vm, def, samples, end }: { vm: Vm; def: ChartDef; samples: VmSample[]; end: number }) {
  const recent = useRecentHistory(vm.id, recorded(def), LIVE_MS);
  const from = end - LIVE_MS;
  const histories = recent.map((r) => r.data);
  const data = joinLive(def, histories, samples, from);
  return (
    <TimeChart title={def.title} unit={def.unit} testId={def.testId} series={colored(def)} data={data} window={[from / 1000, end / 1000]} />
  );
}

function HistoryChart({ vmId, def, range, end }: { vmId: string; def: ChartDef; range: HistoryRange; end: number }) {
  const results = useHistory(vmId, recorded(def), range);
  const data = useMemo(() => align(results.map((r) => r.data)), [results]);
  // The whole range is drawn, however few points it holds: a fresh VM's day is mostly empty.
  const window: [number, number] = [(end - RANGES[range]) / 1000, end / 1000];
  return <TimeChart title={def.title} unit={def.unit} testId={def.testId} series={colored(def)} data={data} window={window} />;
}

/** Live (a fixed five-minute window, streamed, once per frame at most) or from history: disks, shares, vCPUs and memory. */
export function MetricsPanel({ vm }: { vm: Vm }) {
  const [range, setRange] = useState<'live' | HistoryRange>('live');
  // Paused, the charts show a copy: the store's own lists go on growing, and any re-render would draw them.
  const [frozen, setFrozen] = useState<VmSample[] | null>(null);
  const paused = frozen !== null;
  // When the range was picked: a history window ends there, and so does a live one when nothing streams (a stopped VM).
  const [openedAt, setOpenedAt] = useState(() => Date.now());
  const store = useMetrics(paused || range !== 'live');
  const samples = frozen ?? store.vms.get(vm.id) ?? [];
  const latest = samples.at(-1);
  const defs = chartsFor(vm, latest);
  const end = Math.max(latest?.ts ?? 0, openedAt);
  const shown = range === 'live' ? defs : defs.filter((d) => recorded(d).length > 0);
  const shareNotes = latest?.shares.map((x) => `${x.tag}: ${x.method}`) ?? [];
  if (!vm.capabilities.metrics) return <Notice>This VM's hypervisor reports no metrics.</Notice>;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-2">
        {(['live', ...Object.keys(RANGES)] as const).map((r) => (
          <Button
            key={r}
            variant={range === r ? 'primary' : 'secondary'}
            aria-pressed={range === r}
            onClick={() => {
              setRange(r as typeof range);
              setOpenedAt(Date.now());
            }}
          >
            {r === 'live' ? 'Live' : r}
          </Button>
        ))}
        {range === 'live' && (
          <Button onClick={() => setFrozen(paused ? null : [...(store.vms.get(vm.id) ?? [])])}>
            {paused ? 'Resume charts' : 'Pause charts'}
          </Button>
        )}
        <span className="text-xs text-slate-500 dark:text-slate-400">
          {range === 'live' ? 'the last 5 minutes, one sample per second' : 'history is kept in 1 s / 1 min / 10 min steps'}; computed on
          the server
        </span>
      </div>
      {!isRunning(vm) && range === 'live' && <Notice>The VM is not running: nothing to stream. Pick a range to see its history.</Notice>}
      <div className="grid gap-4 lg:grid-cols-2">
        {shown.map((def) => (
          <Card key={def.testId}>
            {range === 'live' ? (
              <LiveChart vm={vm} def={def} samples={samples} end={end} />
            ) : (
              <HistoryChart vmId={vm.id} def={def} range={range} end={openedAt} />
            )}
          </Card>
        ))}
      </div>
      {range !== 'live' && (
        <p className="text-xs text-slate-500 dark:text-slate-400">Disk latency is shown live only: the history does not keep it.</p>
      )}
      {shareNotes.length > 0 && (
        <p className="text-xs text-slate-500 dark:text-slate-400">How shares are measured: {shareNotes.join('; ')}.</p>
      )}
      {vm.capabilities.mconsole && (
        <p className="text-xs text-slate-500 dark:text-slate-400">
          Disks and CPU come from the UML kernel's mconsole (proc diskstats, proc stat)
          {vm.capabilities.shareTransports.includes('hostfs') ? '; hostfs has no per-share counter, so none is shown' : ''}.
        </p>
      )}
    </div>
  );
}
