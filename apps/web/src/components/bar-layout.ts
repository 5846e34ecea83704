// Pure geometry for the grouped bar chart: a y axis in round decimal steps (or powers of ten), and where each bar goes.

export type BarScale = 'linear' | 'log';

export interface BarAxis {
  scale: BarScale;
  min: number;
  max: number;
  ticks: number[];
  /** 0 at the axis' bottom, 1 at its top. */
  fraction(v: number): number;
}

const round = (v: number) => Number(v.toPrecision(12));

/**
 * Linear: from 0 to a round top above the data (10 % headroom), at most `maxTicks` steps of 1, 2 or
 * 5 × 10^k. Log: from the power of ten at or below the smallest value to the one above the largest,
 * so that 0.5 MB/s and 600 MB/s bars both read.
 */
export function barAxis(values: readonly (number | null)[], scale: BarScale, maxTicks = 5): BarAxis {
  const shown = values.filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
  if (scale === 'log' && shown.length > 0) {
    const lo = Math.floor(Math.log10(Math.min(...shown)));
    let hi = Math.ceil(Math.log10(Math.max(...shown) * 1.05));
    if (hi === lo) hi = lo + 1;
    const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => round(10 ** (lo + i)));
    return { scale, min: 10 ** lo, max: 10 ** hi, ticks, fraction: (v) => (v <= 0 ? 0 : Math.max(0, (Math.log10(v) - lo) / (hi - lo))) };
  }
  const top = shown.length ? Math.max(...shown) * 1.1 : 0;
  if (top === 0) return { scale: 'linear', min: 0, max: 1, ticks: [0, 1], fraction: (v) => v };
  let step = 10 ** Math.floor(Math.log10(top / maxTicks));
  for (const m of [1, 2, 5, 10]) {
    if (Math.ceil(top / (m * step)) <= maxTicks) {
      step *= m;
      break;
    }
  }
  const n = Math.max(1, Math.ceil(top / step));
  const ticks = Array.from({ length: n + 1 }, (_, i) => round(i * step));
  const max = ticks.at(-1)!;
  return { scale, min: 0, max, ticks, fraction: (v) => Math.max(0, v / max) };
}

export interface BarBox {
  group: number;
  series: number;
  x: number;
  width: number;
}

/** Groups share the plot's width; in each, bars side by side with a gap, never wider than 28 px. */
export function barBoxes(plotLeft: number, plotWidth: number, groups: number, series: number): { boxes: BarBox[]; groupCentres: number[] } {
  const groupWidth = plotWidth / Math.max(1, groups);
  const inner = groupWidth * 0.8;
  const width = Math.max(2, Math.min(28, inner / Math.max(1, series)));
  const boxes: BarBox[] = [];
  const groupCentres: number[] = [];
  for (let g = 0; g < groups; g++) {
    const centre = plotLeft + groupWidth * (g + 0.5);
    groupCentres.push(centre);
    const start = centre - (width * series) / 2;
    for (let s = 0; s < series; s++) boxes.push({ group: g, series: s, x: start + s * width, width });
  }
  return { boxes, groupCentres };
}
