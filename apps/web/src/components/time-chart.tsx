import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
}

export type Unit = 'bytes/s' | 'iops' | 'percent' | 'bytes';

const format = (unit: Unit, v: number | null | undefined): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'percent') return `${v.toFixed(1)} %`;
  if (unit === 'iops') return `${v.toFixed(0)} IOPS`;
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(x < 10 && i > 0 ? 1 : 0)} ${units[i]}${unit === 'bytes/s' ? '/s' : ''}`;
};

/**
 * A uPlot time series: made once, then fed with setData, so a stream of samples costs a redraw of
 * the canvas and nothing else. Hovering shows each series' value with its unit in the legend.
 */
export function TimeChart({
  title,
  series,
  data,
  unit,
  height = 160,
  testId,
}: {
  title: string;
  series: ChartSeries[];
  data: uPlot.AlignedData;
  unit: Unit;
  height?: number;
  testId?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 400,
      height,
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, value: (_u: uPlot, v: number | null) => format(unit, v) })),
      ],
      axes: [{ stroke: '#64748b' }, { stroke: '#64748b', size: 84, values: (_u, vals) => vals.map((v) => format(unit, v)) }],
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(max, unit === 'percent' ? 10 : 1)] } },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    plot.current = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Re-made only when the set of series changes; data flows in through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, unit, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  const last = data.slice(1).map((ys) => (ys as (number | null)[]).at(-1) ?? null);
  return (
    <figure className="min-w-0" data-testid={testId}>
      <figcaption className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-300">{title}</figcaption>
      <div ref={host} className="w-full" />
      <div className="sr-only" data-testid={testId ? `${testId}-last` : undefined} data-last={JSON.stringify(last)}>
        {last.map((v) => format(unit, v)).join(', ')}
      </div>
    </figure>
  );
}

/** A tiny inline trend (SVG), for tables: no axes, no legend. */
export function Sparkline({
  values,
  width = 80,
  height = 20,
  testId,
}: {
  values: number[];
  width?: number;
  height?: number;
  testId?: string;
}) {
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * width},${height - (v / max) * (height - 2) - 1}`).join(' ');
  return (
    <svg width={width} height={height} data-testid={testId} data-max={max} className="text-indigo-500" aria-hidden>
      {values.length > 1 && <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />}
    </svg>
  );
}
