import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { barAxis, barBoxes, type BarScale } from './bar-layout';

export interface BarSeries {
  label: string;
  color: string;
}

export interface BarGroup {
  label: string;
  /** One per series; null draws no bar. */
  values: (number | null)[];
  /** Why a bar is missing (failed, not measured), said on hover and focus. */
  missing?: (string | undefined)[];
  /** Bars that failed: marked with a red cross at the baseline (a bar still to come shows nothing). */
  failed?: boolean[];
}

const MARGIN = { top: 10, right: 8, bottom: 26, left: 60 };

/**
 * A grouped bar chart in SVG: one group per x label, one bar per series. Hover or keyboard focus
 * (arrow keys, Home, End) shows a bar's value; screen readers get every value in the image's label
 * and the focused bar through a live region.
 */
export function BarChart({
  title,
  unit,
  series,
  groups,
  format,
  tick = format,
  scale = 'linear',
  height = 240,
  testId,
}: {
  title: string;
  /** The y axis' unit, e.g. "MB/s". */
  unit: string;
  series: BarSeries[];
  groups: BarGroup[];
  format: (v: number) => string;
  /** The y axis' labels, without the unit (the axis names it once); the values' format by default. */
  tick?: (v: number) => string;
  scale?: BarScale;
  height?: number;
  testId?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  const [active, setActive] = useState<number | null>(null);
  const [keyboard, setKeyboard] = useState(false);
  const id = useId();
  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    setWidth(el.clientWidth || 600);
    const resize = new ResizeObserver(() => setWidth(el.clientWidth || 600));
    resize.observe(el);
    return () => resize.disconnect();
  }, []);

  const axis = barAxis(
    groups.flatMap((g) => g.values),
    scale,
    Math.max(2, Math.floor((height - 40) / 40)),
  );
  const plotWidth = Math.max(40, width - MARGIN.left - MARGIN.right);
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const { boxes, groupCentres } = barBoxes(MARGIN.left, plotWidth, groups.length, series.length);
  const y = (v: number) => MARGIN.top + plotHeight * (1 - axis.fraction(v));
  const baseline = MARGIN.top + plotHeight;

  const describe = (i: number) => {
    const box = boxes[i];
    if (!box) return '';
    const g = groups[box.group];
    const v = g?.values[box.series];
    const what = v === null || v === undefined ? (g?.missing?.[box.series] ?? 'not measured') : format(v);
    return `${series[box.series]?.label ?? ''}, ${g?.label ?? ''}: ${what}`;
  };
  const summary = `${title}, ${unit} by ${groups.length === 1 ? 'block size' : 'block sizes'}${scale === 'log' ? ' (logarithmic scale)' : ''}. ${groups
    .map(
      (g) =>
        `${g.label}: ${g.values.map((v, s) => `${series[s]?.label ?? ''} ${v === null ? (g.missing?.[s] ?? 'not measured') : format(v)}`).join(', ')}`,
    )
    .join('; ')}.`;

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const last = boxes.length - 1;
    const at = active ?? -1;
    const next =
      e.key === 'ArrowRight' || e.key === 'ArrowDown'
        ? Math.min(last, at + 1)
        : e.key === 'ArrowLeft' || e.key === 'ArrowUp'
          ? Math.max(0, at - 1)
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : e.key === 'Escape'
                ? null
                : undefined;
    if (next === undefined) return;
    e.preventDefault();
    setKeyboard(true);
    setActive(next);
  };

  const tip = active !== null ? boxes[active] : undefined;
  const tipValue = tip ? groups[tip.group]?.values[tip.series] : null;
  const tipY = tip ? (tipValue !== null && tipValue !== undefined ? y(tipValue) : baseline) : 0;
  const tipX = tip ? tip.x + tip.width / 2 : 0;
  // Near an edge the tip grows inwards, so it never leaves the chart on a narrow screen.
  const tipSide = tipX < width * 0.3 ? 'left' : tipX > width * 0.7 ? 'right' : 'centre';

  return (
    <figure className="min-w-0" data-testid={testId}>
      <figcaption className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-300">{title}</figcaption>
      <div
        ref={host}
        tabIndex={0}
        aria-label={`${title} chart: arrow keys read each bar`}
        aria-describedby={`${id}-live`}
        onKeyDown={onKey}
        onFocus={() => active === null && boxes.length > 0 && setActive(0)}
        onBlur={() => {
          setActive(null);
          setKeyboard(false);
        }}
        onMouseLeave={() => !keyboard && setActive(null)}
        className="relative w-full rounded-md"
      >
        <svg width={width} height={height} role="img" aria-label={summary} className="block overflow-visible">
          {axis.ticks.map((t) => (
            <g key={t}>
              <line x1={MARGIN.left} x2={MARGIN.left + plotWidth} y1={y(t)} y2={y(t)} className="stroke-slate-200 dark:stroke-slate-800" />
              <text x={MARGIN.left - 6} y={y(t)} dy="0.32em" textAnchor="end" className="fill-slate-500 text-[11px] dark:fill-slate-400">
                {tick(t)}
              </text>
            </g>
          ))}
          <text
            transform={`translate(12 ${MARGIN.top + plotHeight / 2}) rotate(-90)`}
            textAnchor="middle"
            className="fill-slate-500 text-[11px] dark:fill-slate-400"
          >
            {unit}
          </text>
          {boxes.map((b, i) => {
            const v = groups[b.group]?.values[b.series];
            const on = active === i;
            if ((v === null || v === undefined) && !groups[b.group]?.failed?.[b.series])
              return on ? (
                <rect key={i} x={b.x + 0.5} y={baseline - 2} width={Math.max(1, b.width - 1)} height={2} className="fill-slate-400" />
              ) : null;
            if (v === null || v === undefined)
              return (
                <text
                  key={i}
                  x={b.x + b.width / 2}
                  y={baseline - 3}
                  textAnchor="middle"
                  onMouseEnter={() => setActive(i)}
                  className={`text-[10px] ${on ? 'fill-slate-900 dark:fill-white' : 'fill-red-500 dark:fill-red-400'}`}
                >
                  ×
                </text>
              );
            const top = y(v);
            return (
              <rect
                key={i}
                x={b.x + 0.5}
                y={top}
                width={Math.max(1, b.width - 1)}
                height={Math.max(1, baseline - top)}
                fill={series[b.series]?.color}
                onMouseEnter={() => {
                  setKeyboard(false);
                  setActive(i);
                }}
                className={on ? 'stroke-slate-900 dark:stroke-white' : undefined}
                strokeWidth={on ? 1.5 : 0}
              />
            );
          })}
          <line
            x1={MARGIN.left}
            x2={MARGIN.left + plotWidth}
            y1={baseline}
            y2={baseline}
            className="stroke-slate-400 dark:stroke-slate-600"
          />
          {groups.map((g, i) => (
            <text
              key={g.label}
              x={groupCentres[i]}
              y={baseline + 16}
              textAnchor="middle"
              className="fill-slate-600 text-xs dark:fill-slate-300"
            >
              {g.label}
            </text>
          ))}
        </svg>
        {tip && (
          <div
            aria-hidden
            data-testid={testId ? `${testId}-tip` : undefined}
            className={`pointer-events-none absolute z-10 w-max max-w-[14rem] -translate-y-full rounded-md bg-slate-900 px-2 py-1 text-xs text-white shadow-lg dark:bg-slate-100 dark:text-slate-900 ${tipSide === 'centre' ? '-translate-x-1/2' : ''}`}
            style={{
              top: Math.max(0, tipY - 6),
              ...(tipSide === 'right'
                ? { right: Math.max(0, width - tipX - 12) }
                : { left: tipSide === 'left' ? Math.max(0, tipX - 12) : tipX }),
            }}
          >
            {describe(active!)}
          </div>
        )}
      </div>
      <p id={`${id}-live`} aria-live="polite" className="sr-only">
        {keyboard && active !== null ? describe(active) : ''}
      </p>
      <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600 dark:text-slate-300" aria-label={`${title}: legend`}>
        {series.map((s) => (
          <li key={s.label} className="flex items-center gap-1.5">
            <svg width="10" height="10" aria-hidden className="shrink-0">
              <rect width="10" height="10" rx="2" fill={s.color} />
            </svg>
            {s.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}
