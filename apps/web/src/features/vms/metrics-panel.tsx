import { useMemo, useState } from 'react';
import type { Vm, VmSample } from '@strata/contract';
import { vmSeries } from '@strata/contract/series-names';
import { align, RANGES, useHistory, type HistoryRange } from '../../api/metrics-history';
import { useMetrics } from '../../api/metrics-stream';
import { Button } from '../../components/button';
import { Card } from '../../components/card';
import { Notice } from '../../components/feedback';
import { TimeChart, type Unit } from '../../components/time-chart';
import { isRunning } from '../../shared/vm-state';

const COLORS = ['#4f46e5', '#f59e0b', '#10b981', '#ef4444', '#0ea5e9', '#a855f7'];
const LIVE_MS = 5 * 60_000;

interface ChartDef {
  title: string;
  unit: Unit;
  series: { label: string; name: string; pick(s: VmSample): number | undefined }[];
  testId: string;
}

function chartsFor(vm: Vm, latest: VmSample | undefined): ChartDef[] {
  const disks = vm.disks.map((d) => d.id);
  const shares = latest?.shares ?? [];
  const cpus = latest?.cpu.map((c) => c.index) ?? [0];
  return [
    ...disks.map((id): ChartDef => ({
      title: `${id} throughput`,
      unit: 'bytes/s',
      testId: `chart-${id}-throughput`,
      series: [
        { label: 'read', name: vmSeries.disk(id, 'read_bps'), pick: (s) => s.disks.find((d) => d.id === id)?.readBps },
        { label: 'write', name: vmSeries.disk(id, 'write_bps'), pick: (s) => s.disks.find((d) => d.id === id)?.writeBps },
      ],
    })),
    ...disks.map((id): ChartDef => ({
      title: `${id} IOPS`,
      unit: 'iops',
      testId: `chart-${id}-iops`,
      series: [
        { label: 'read', name: vmSeries.disk(id, 'read_iops'), pick: (s) => s.disks.find((d) => d.id === id)?.readIops },
        { label: 'write', name: vmSeries.disk(id, 'write_iops'), pick: (s) => s.disks.find((d) => d.id === id)?.writeIops },
      ],
    })),
    ...shares.map((x): ChartDef => ({
      title: `share ${x.tag} (${x.transport})${x.exact ? '' : ": sum of this VM's 9p shares"}`,
      unit: 'bytes/s',
      testId: `chart-share-${x.tag}`,
      series: [
        { label: 'read', name: vmSeries.share(x.tag, 'read_bps'), pick: (s) => s.shares.find((y) => y.tag === x.tag)?.readBps },
        { label: 'write', name: vmSeries.share(x.tag, 'write_bps'), pick: (s) => s.shares.find((y) => y.tag === x.tag)?.writeBps },
      ],
    })),
    {
      title: 'CPU per vCPU',
      unit: 'percent',
      testId: 'chart-cpu',
      series: cpus.map((i) => ({
        label: `vCPU ${i}`,
        name: vmSeries.cpu(i),
        pick: (s: VmSample) => s.cpu.find((c) => c.index === i)?.percent,
      })),
    },
  ];
}

function HistoryChart({ vmId, def }: { vmId: string; def: ChartDef & { range: HistoryRange } }) {
  const results = useHistory(
    vmId,
    def.series.map((s) => s.name),
    def.range,
  );
  const data = useMemo(() => align(results.map((r) => r.data)), [results]);
  return (
    <TimeChart
      title={def.title}
      unit={def.unit}
      testId={def.testId}
      series={def.series.map((s, i) => ({ label: s.label, color: COLORS[i % COLORS.length]! }))}
      data={data}
    />
  );
}

/** Live (streamed, once per frame at most) or from history: disks, shares and vCPUs of one VM. */
export function MetricsPanel({ vm }: { vm: Vm }) {
  const [range, setRange] = useState<'live' | HistoryRange>('live');
  const [paused, setPaused] = useState(false);
  const store = useMetrics(paused || range !== 'live');
  const samples = store.vms.get(vm.id) ?? [];
  const latest = samples.at(-1);
  const defs = chartsFor(vm, latest);
  // The window ends at the newest sample: a render never reads the clock.
  const cutoff = (latest?.ts ?? 0) - LIVE_MS;
  const live = samples.filter((s) => s.ts >= cutoff);
  const xs = live.map((s) => s.ts / 1000);
  const shareNotes = latest?.shares.map((x) => `${x.tag}: ${x.method}`) ?? [];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-2">
        {(['live', ...Object.keys(RANGES)] as const).map((r) => (
          <Button key={r} variant={range === r ? 'primary' : 'secondary'} onClick={() => setRange(r as typeof range)}>
            {r === 'live' ? 'Live' : r}
          </Button>
        ))}
        {range === 'live' && <Button onClick={() => setPaused(!paused)}>{paused ? 'Resume charts' : 'Pause charts'}</Button>}
        <span className="text-xs text-slate-500">
          one sample per second, computed on the server; history is kept in 1 s / 1 min / 10 min steps
        </span>
      </div>
      {!isRunning(vm) && range === 'live' && <Notice>The VM is not running: nothing to stream. Pick a range to see its history.</Notice>}
      <div className="grid gap-4 lg:grid-cols-2">
        {defs.map((def) => (
          <Card key={def.testId}>
            {range === 'live' ? (
              <TimeChart
                title={def.title}
                unit={def.unit}
                testId={def.testId}
                series={def.series.map((s, i) => ({ label: s.label, color: COLORS[i % COLORS.length]! }))}
                data={[xs, ...def.series.map((s) => live.map((x) => s.pick(x) ?? null))]}
              />
            ) : (
              <HistoryChart vmId={vm.id} def={{ ...def, range }} />
            )}
          </Card>
        ))}
      </div>
      {shareNotes.length > 0 && <p className="text-xs text-slate-500">How shares are measured: {shareNotes.join('; ')}.</p>}
      {vm.hypervisor === 'uml' && (
        <p className="text-xs text-slate-500">
          UML: disks and CPU from its mconsole (proc diskstats, proc stat); hostfs has no per-share counter, so none is shown.
        </p>
      )}
    </div>
  );
}
