// Pure axis arithmetic for the charts: round steps, a top with headroom, labels that read at a glance.

export type Unit = 'bytes/s' | 'iops' | 'percent' | 'bytes' | 'ms';

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
const binary = (unit: Unit) => unit === 'bytes/s' || unit === 'bytes';

/** Candidate steps, ascending. Byte axes step in powers of two (…, 256 KiB, 512 KiB, 1 MiB, 2 MiB, …), others in 1, 2, 5 × 10^k. */
function steps(unit: Unit): number[] {
  if (binary(unit)) return Array.from({ length: 50 }, (_, k) => 2 ** k);
  const out: number[] = [];
  const from = unit === 'iops' ? 0 : -2;
  for (let k = from; k <= 15; k++) for (const m of [1, 2, 5]) out.push(m * 10 ** k);
  return out;
}

/** The top of an all-zero (or empty) chart: small and round, so it shows "0" and one more label. */
const EMPTY_TOP: Record<Unit, number> = { 'bytes/s': 1024, bytes: 1024, iops: 10, percent: 10, ms: 1 };

export interface YAxis {
  max: number;
  step: number;
  ticks: number[];
}

/**
 * From 0 to a round top above the data (10 % headroom, so a peak is never drawn on the frame), in
 * at most `maxTicks` steps, each a round number in the axis' unit.
 */
export function yAxis(dataMax: number | null | undefined, unit: Unit, maxTicks = 4): YAxis {
  const top = dataMax !== null && dataMax !== undefined && Number.isFinite(dataMax) && dataMax > 0 ? dataMax * 1.1 : 0;
  if (top === 0) {
    const max = EMPTY_TOP[unit];
    return { max, step: max, ticks: [0, max] };
  }
  const candidates = steps(unit);
  const step = candidates.find((s) => Math.ceil(top / s) <= maxTicks) ?? candidates.at(-1)!;
  const n = Math.max(1, Math.ceil(top / step));
  const ticks = Array.from({ length: n + 1 }, (_, i) => round(i * step));
  return { max: ticks.at(-1)!, step, ticks };
}

const round = (v: number) => Number(v.toPrecision(12));
const trim = (v: number, digits: number) => String(Number(v.toFixed(digits)));

/** A value with its unit, as few digits as it needs: 512 KiB/s, 1.5 MiB/s, 25 %, 0.4 ms. */
export function formatValue(unit: Unit, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'percent') return `${trim(v, Math.abs(v) < 10 ? 1 : 0)} %`;
  if (unit === 'iops') return `${trim(v, Math.abs(v) < 10 ? 1 : 0)} IOPS`;
  if (unit === 'ms') return `${trim(v, Math.abs(v) < 1 ? 2 : Math.abs(v) < 10 ? 1 : 0)} ms`;
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1024 && i < BINARY.length - 1) {
    x /= 1024;
    i++;
  }
  const digits = i === 0 ? 0 : Math.abs(x) < 10 ? 2 : Math.abs(x) < 100 ? 1 : 0;
  return `${trim(x, digits)} ${BINARY[i]}${unit === 'bytes/s' ? '/s' : ''}`;
}

// ---- Time axis ----

const SECOND = 1;
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** Whole seconds only: a 1 s series has nothing to say between two seconds. */
export const TIME_INCREMENTS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

const pad = (n: number) => String(n).padStart(2, '0');
const hm = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
const hms = (d: Date) => `${hm(d)}:${pad(d.getSeconds())}`;
const day = (d: Date) => d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });

/** Labels for ticks `step` seconds apart: seconds only when steps are under a minute, a date only across days. */
export function formatTimeTick(sec: number, step: number, spanSec: number): string {
  const d = new Date(sec * 1000);
  if (step >= DAY) return day(d);
  if (spanSec > DAY) return `${day(d)} ${hm(d)}`;
  return step < MINUTE ? hms(d) : hm(d);
}

/** Pixels between time ticks: room for the widest label of that kind, so labels never overlap. */
export function timeTickSpace(spanSec: number): number {
  if (spanSec > DAY) return 110;
  return spanSec < 10 * MINUTE ? 80 : 60;
}

/** A hovered time: always to the second, with the date when the chart spans days. */
export function formatHoverTime(sec: number, spanSec: number): string {
  const d = new Date(sec * 1000);
  return spanSec > DAY ? `${day(d)} ${hms(d)}` : hms(d);
}

/** The newest non-null value of a column, for a legend nobody is hovering. */
export function lastValue(ys: ArrayLike<number | null | undefined>): number | null {
  for (let i = ys.length - 1; i >= 0; i--) {
    const v = ys[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) return v;
  }
  return null;
}
