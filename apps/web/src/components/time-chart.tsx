import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatHoverTime, formatTimeTick, formatValue, lastValue, TIME_INCREMENTS, timeTickSpace, yAxis, type Unit } from './chart-ticks';
import { useDarkMode } from './use-dark-mode';

export type { Unit } from './chart-ticks';

export interface ChartSeries {
  label: string;
  color: string;
}

const THEME = {
  light: { axis: '#475569', grid: 'rgba(100, 116, 139, 0.18)', ticks: 'rgba(100, 116, 139, 0.35)' },
  dark: { axis: '#cbd5e1', grid: 'rgba(148, 163, 184, 0.22)', ticks: 'rgba(148, 163, 184, 0.4)' },
};

function spanOf(u: uPlot): number {
  const x = u.scales.x;
  return x?.min !== undefined && x.max !== undefined ? x.max - x.min : 0;
}

function options(
  width: number,
  height: number,
  unit: Unit,
  series: ChartSeries[],
  dark: boolean,
  xWindow: { current: [number, number] | undefined },
): uPlot.Options {
  const theme = dark ? THEME.dark : THEME.light;
  // Cached by the range callback so the ticks match the top it picked.
  let axis = yAxis(0, unit);
  const maxTicks = Math.max(2, Math.floor((height - 40) / 24));
  // A legend nobody hovers shows each series' newest value instead of a dash.
  const legendValue = (u: uPlot, v: number | null, sidx: number, idx: number | null) =>
    formatValue(unit, idx === null ? lastValue(u.data[sidx] ?? []) : v);
  return {
    width,
    height,
    series: [
      {
        label: 'time',
        value: (u, v, _s, idx) => {
          const x = idx === null ? lastValue(u.data[0]) : v;
          return x === null ? '—' : formatHoverTime(x, spanOf(u));
        },
      },
      ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, value: legendValue })),
    ],
    axes: [
      {
        stroke: theme.axis,
        grid: { stroke: theme.grid, width: 1 },
        ticks: { stroke: theme.ticks, width: 1 },
        incrs: TIME_INCREMENTS,
        space: (u) => timeTickSpace(spanOf(u)),
        values: (u, splits, _ax, _space, incr) => splits.map((s) => formatTimeTick(s, incr, spanOf(u))),
      },
      {
        stroke: theme.axis,
        grid: { stroke: theme.grid, width: 1 },
        ticks: { stroke: theme.ticks, width: 1 },
        size: 84,
        splits: () => axis.ticks,
        values: (_u, splits) => splits.map((v) => formatValue(unit, v)),
      },
    ],
    scales: {
      x: { time: true, range: (_u, min, max) => xWindow.current ?? [min, max] },
      y: {
        range: (_u, _min, max) => {
          axis = yAxis(max, unit, maxTicks);
          return [0, axis.max];
        },
      },
    },
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
}

/**
 * A uPlot time series: made once, then fed with setData, so a stream of samples costs a redraw of
 * the canvas and nothing else. The legend shows the newest values, or the hovered ones; the y axis
 * steps in round numbers of its unit; `window` pins the x range (a live chart's fixed span).
 */
export function TimeChart({
  title,
  series,
  data,
  unit,
  height = 160,
  testId,
  window,
}: {
  title: string;
  series: ChartSeries[];
  data: uPlot.AlignedData;
  unit: Unit;
  height?: number;
  testId?: string;
  window?: [number, number];
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const xWindow = useRef(window);
  const latest = useRef(data);
  const dark = useDarkMode();
  const key = series.map((s) => `${s.label}:${s.color}`).join('|');
  const [from, to] = window ?? [];
  // Declared first, so the effects below (and uPlot's range callback) read this render's values.
  useEffect(() => {
    xWindow.current = window;
    latest.current = data;
  });

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    plot.current = new uPlot(options(el.clientWidth || 400, height, unit, series, dark, xWindow), latest.current, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Re-made only when the set of series, the unit or the theme changes; data flows in through setData.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, unit, height, dark]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data);
    // Not hovering: refresh the legend so it follows the newest values.
    if (u.cursor.idx === null || u.cursor.idx === undefined) u.setLegend({ idx: null as unknown as number });
  }, [data, from, to]);

  const last = data.slice(1).map((ys) => lastValue(ys as (number | null)[]));
  return (
    <figure className="min-w-0" data-testid={testId}>
      <figcaption className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-300">{title}</figcaption>
      <div ref={host} className="w-full" />
      <div className="sr-only" data-testid={testId ? `${testId}-last` : undefined} data-last={JSON.stringify(last)}>
        {last.map((v) => formatValue(unit, v)).join(', ')}
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
