import type { Vm, VmSample } from '@strata/contract';
import { vmSeries } from '@strata/contract/series-names';
import type { Unit } from '../../components/time-chart';

export interface SeriesDef {
  label: string;
  /** The history series it is recorded under; null: measured live only. */
  name: string | null;
  pick(s: VmSample): number | null | undefined;
}

export interface ChartDef {
  title: string;
  unit: Unit;
  series: SeriesDef[];
  testId: string;
}

const disk = (s: VmSample, id: string) => s.disks.find((d) => d.id === id);

function diskCharts(id: string): ChartDef[] {
  return [
    {
      title: `${id} throughput`,
      unit: 'bytes/s',
      testId: `chart-${id}-throughput`,
      series: [
        { label: 'read', name: vmSeries.disk(id, 'read_bps'), pick: (s) => disk(s, id)?.readBps },
        { label: 'write', name: vmSeries.disk(id, 'write_bps'), pick: (s) => disk(s, id)?.writeBps },
      ],
    },
    {
      title: `${id} IOPS`,
      unit: 'iops',
      testId: `chart-${id}-iops`,
      series: [
        { label: 'read', name: vmSeries.disk(id, 'read_iops'), pick: (s) => disk(s, id)?.readIops },
        { label: 'write', name: vmSeries.disk(id, 'write_iops'), pick: (s) => disk(s, id)?.writeIops },
      ],
    },
    {
      title: `${id} latency (mean per operation)`,
      unit: 'ms',
      testId: `chart-${id}-latency`,
      series: [
        { label: 'read', name: null, pick: (s) => disk(s, id)?.readLatencyMs },
        { label: 'write', name: null, pick: (s) => disk(s, id)?.writeLatencyMs },
      ],
    },
  ];
}

/** Every chart of one VM: per disk, per share, its vCPUs and its memory. */
export function chartsFor(vm: Vm, latest: VmSample | undefined): ChartDef[] {
  const shares = latest?.shares ?? [];
  const cpus = latest?.cpu.map((c) => c.index) ?? [0];
  return [
    ...vm.disks.flatMap((d) => diskCharts(d.id)),
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
      title: 'CPU per vCPU (100 % = one host CPU)',
      unit: 'percent',
      testId: 'chart-cpu',
      series: cpus.map((i) => ({
        label: `vCPU ${i}`,
        name: vmSeries.cpu(i),
        pick: (s: VmSample) => s.cpu.find((c) => c.index === i)?.percent,
      })),
    },
    {
      title: `Memory: host RSS of the VM process (${vm.memoryMiB} MiB configured)`,
      unit: 'bytes',
      testId: 'chart-memory',
      series: [{ label: 'RSS', name: vmSeries.rss, pick: (s) => s.rssBytes }],
    },
  ];
}
