/**
 * A tiny trend (SVG) for a list row, drawn against time over a fixed window, so a VM that was off
 * for a minute shows a gap there instead of its samples squeezed together.
 */
export function IoSpark({
  points,
  window,
  label,
  testId,
  width = 88,
  height = 22,
}: {
  points: [number, number][];
  window: [number, number];
  label: string;
  testId?: string;
  width?: number;
  height?: number;
}) {
  const [from, to] = window;
  const max = Math.max(1, ...points.map(([, v]) => v));
  const x = (ts: number) => ((ts - from) / Math.max(1, to - from)) * width;
  const y = (v: number) => height - (v / max) * (height - 2) - 1;
  // A gap longer than five seconds (the VM was stopped) breaks the line.
  const runs: [number, number][][] = [];
  for (const p of points) {
    const run = runs.at(-1);
    if (run && p[0] - run.at(-1)![0] <= 5000) run.push(p);
    else runs.push([p]);
  }
  return (
    <svg
      width={width}
      height={height}
      data-testid={testId}
      data-max={max}
      data-points={points.length}
      role="img"
      aria-label={label}
      className="text-indigo-600 dark:text-indigo-400"
    >
      <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} className="stroke-slate-200 dark:stroke-slate-700" strokeWidth={1} />
      {runs.map((run) =>
        run.length > 1 ? (
          <polyline
            key={run[0]![0]}
            points={run.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
            fill="none"
            stroke="currentColor"
            strokeWidth={1.5}
          />
        ) : (
          <circle key={run[0]![0]} cx={x(run[0]![0])} cy={y(run[0]![1])} r={1} fill="currentColor" />
        ),
      )}
    </svg>
  );
}
