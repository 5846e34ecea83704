import { useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import type { Image } from '@strata/contract';
import { formatBytes } from '../../components/format';

const W = 230;
const H = 64;
const GAP_X = 60;
const GAP_Y = 18;

interface Placed {
  image: Image;
  x: number;
  y: number;
}

/** Bases at the left, each overlay to the right of its parent; every leaf gets its own row. */
function layoutForest(images: Image[]): Placed[] {
  const ids = new Set(images.map((i) => i.id));
  const placed: Placed[] = [];
  let row = 0;
  const place = (image: Image, depth: number): number => {
    const kids = images.filter((i) => i.parentId === image.id);
    const ys = kids.map((k) => place(k, depth + 1));
    const y = ys.length > 0 ? (ys[0]! + ys.at(-1)!) / 2 : row++ * (H + GAP_Y);
    placed.push({ image, x: depth * (W + GAP_X), y });
    return y;
  };
  images.filter((i) => i.parentId === null || !ids.has(i.parentId)).forEach((root) => place(root, 0));
  return placed;
}

/** The image forest as a graph you can zoom (wheel) and pan (drag). */
export function ImageGraph({
  images,
  selected,
  onSelect,
  vmName,
}: {
  images: Image[];
  selected: string | null;
  onSelect: (id: string) => void;
  vmName: (id: string) => string;
}) {
  const nodes = layoutForest(images);
  const at = new Map(nodes.map((n) => [n.image.id, n]));
  const [view, setView] = useState({ x: 20, y: 20, k: 1 });
  const drag = useRef<{ x: number; y: number } | null>(null);
  const zoom = (factor: number) => setView((v) => ({ ...v, k: Math.min(3, Math.max(0.25, v.k * factor)) }));
  const onWheel = (e: WheelEvent) => zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1);
  const onDown = (e: PointerEvent) => (drag.current = { x: e.clientX - view.x, y: e.clientY - view.y });
  const onMove = (e: PointerEvent) =>
    drag.current && setView((v) => ({ ...v, x: e.clientX - drag.current!.x, y: e.clientY - drag.current!.y }));
  const onUp = () => (drag.current = null);

  return (
    <div className="relative overflow-hidden rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="absolute right-2 top-2 z-10 flex gap-1">
        {[
          ['+', () => zoom(1.2)],
          ['−', () => zoom(1 / 1.2)],
          ['reset', () => setView({ x: 20, y: 20, k: 1 })],
        ].map(([label, act]) => (
          <button
            key={label as string}
            type="button"
            onClick={act as () => void}
            className="rounded border border-slate-300 bg-white px-2 text-sm dark:border-slate-700 dark:bg-slate-800"
          >
            {label as string}
          </button>
        ))}
      </div>
      <svg
        data-testid="image-graph"
        className="h-[26rem] w-full cursor-grab touch-none select-none"
        onWheel={onWheel}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerLeave={onUp}
      >
        <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          {nodes
            .filter((n) => n.image.parentId && at.has(n.image.parentId))
            .map((n) => {
              const p = at.get(n.image.parentId!)!;
              return (
                <path
                  key={`e-${n.image.id}`}
                  d={`M${p.x + W},${p.y + H / 2} C${p.x + W + GAP_X / 2},${p.y + H / 2} ${n.x - GAP_X / 2},${n.y + H / 2} ${n.x},${n.y + H / 2}`}
                  className="fill-none stroke-slate-300 dark:stroke-slate-600"
                  strokeWidth={1.5}
                />
              );
            })}
          {nodes.map(({ image, x, y }) => {
            const writer = image.usedBy.find((u) => u.role === 'writable');
            const tone = !image.valid
              ? 'fill-red-50 stroke-red-400 dark:fill-red-950'
              : image.protected
                ? 'fill-slate-50 stroke-slate-300 dark:fill-slate-800 dark:stroke-slate-600'
                : 'fill-indigo-50 stroke-indigo-300 dark:fill-indigo-950 dark:stroke-indigo-700';
            return (
              <g
                key={image.id}
                data-testid={`node-${image.name}`}
                transform={`translate(${x},${y})`}
                onClick={() => onSelect(image.id)}
                className="cursor-pointer"
              >
                <rect width={W} height={H} rx={8} className={tone} strokeWidth={selected === image.id ? 3 : 1} />
                <text x={10} y={18} className="fill-slate-900 text-[12px] font-semibold dark:fill-slate-100">
                  {(image.snapshot ? `snapshot ${image.snapshot.name}` : image.name).slice(0, 30)}
                </text>
                <text x={10} y={35} className="fill-slate-500 text-[11px]">
                  {image.format} · {formatBytes(image.allocatedSize)} of {formatBytes(image.virtualSize)}
                  {image.protected ? ' · read-only' : ''}
                </text>
                <text x={10} y={52} className={`text-[11px] ${image.valid ? 'fill-slate-500' : 'fill-red-600'}`}>
                  {!image.valid
                    ? 'invalid'
                    : writer
                      ? `written by ${vmName(writer.vmId)}`
                      : image.usedBy.length > 0
                        ? `base of ${image.usedBy.length} VM(s)`
                        : 'unused'}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
    </div>
  );
}
