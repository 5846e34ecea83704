import { useId, useRef, useState, type KeyboardEvent, type PointerEvent, type WheelEvent } from 'react';
import type { Image } from '@strata/contract';
import { formatBytes, plural } from '../../components/format';
import { GAP_X, H, W, layoutForest, neighbour, type Placed } from './forest-layout';

const describeNode = (image: Image, use: string) =>
  [
    image.snapshot ? `snapshot ${image.snapshot.name}` : image.name,
    image.format,
    `${formatBytes(image.allocatedSize)} of ${formatBytes(image.virtualSize)}`,
    image.protected ? 'read-only' : '',
    use,
  ]
    .filter(Boolean)
    .join(', ');

/**
 * The image forest as a graph you can zoom (wheel) and pan (drag), and a tree you can walk with
 * the keyboard: one node is in the tab order at a time (roving tabindex), arrows move, Enter or
 * Space selects, and the view pans to keep the focused node in sight.
 */
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
  const [current, setCurrent] = useState<string | null>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  const nodeRefs = useRef(new Map<string, SVGGElement>());
  const zoom = (factor: number) => setView((v) => ({ ...v, k: Math.min(3, Math.max(0.25, v.k * factor)) }));
  const onWheel = (e: WheelEvent) => zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1);
  const onDown = (e: PointerEvent) => (drag.current = { x: e.clientX - view.x, y: e.clientY - view.y });
  const onMove = (e: PointerEvent) =>
    drag.current && setView((v) => ({ ...v, x: e.clientX - drag.current!.x, y: e.clientY - drag.current!.y }));
  const onUp = () => (drag.current = null);
  // The tab stop: the node last focused, else the selected one, else the first base.
  const roots = nodes.filter((n) => n.depth === 0);
  const stop =
    (current && at.has(current) ? current : null) ?? (selected && at.has(selected) ? selected : null) ?? roots[0]?.image.id ?? null;
  const hintId = useId();

  const panTo = (n: Placed) => {
    const box = svg.current?.getBoundingClientRect();
    if (!box) return;
    setView((v) => {
      const left = n.x * v.k + v.x;
      const top = n.y * v.k + v.y;
      const inside = left >= 0 && top >= 0 && left + W * v.k <= box.width && top + H * v.k <= box.height;
      return inside ? v : { ...v, x: box.width / 2 - (n.x + W / 2) * v.k, y: box.height / 2 - (n.y + H / 2) * v.k };
    });
  };

  const onKey = (e: KeyboardEvent, image: Image) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(image.id);
      return;
    }
    const next = neighbour(
      nodes.map((n) => n.image),
      image,
      e.key,
    );
    if (!next) return;
    e.preventDefault();
    setCurrent(next.id);
    panTo(at.get(next.id)!);
    nodeRefs.current.get(next.id)?.focus();
  };

  return (
    <div className="relative overflow-hidden rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="absolute right-2 top-2 z-10 flex gap-1">
        {(
          [
            ['+', 'Zoom in', () => zoom(1.2)],
            ['−', 'Zoom out', () => zoom(1 / 1.2)],
            ['reset', 'Reset the view', () => setView({ x: 20, y: 20, k: 1 })],
          ] as const
        ).map(([label, name, act]) => (
          <button
            key={label}
            type="button"
            aria-label={name}
            title={name}
            onClick={act}
            className="rounded border border-slate-300 bg-white px-2 text-sm dark:border-slate-700 dark:bg-slate-800"
          >
            {label}
          </button>
        ))}
      </div>
      <svg
        ref={svg}
        data-testid="image-graph"
        role="tree"
        aria-label="Image layers"
        aria-describedby={hintId}
        className="h-[26rem] w-full cursor-grab touch-none select-none"
        onWheel={onWheel}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerLeave={onUp}
      >
        <g role="none" transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          <g aria-hidden>
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
          </g>
          {nodes.map((node) => {
            const { image, x, y, depth } = node;
            const writer = image.usedBy.find((u) => u.role === 'writable');
            const tone = !image.valid
              ? 'fill-red-50 stroke-red-400 dark:fill-red-950'
              : image.protected
                ? 'fill-slate-50 stroke-slate-300 dark:fill-slate-800 dark:stroke-slate-600'
                : 'fill-indigo-50 stroke-indigo-300 dark:fill-indigo-950 dark:stroke-indigo-700';
            const use = !image.valid
              ? 'invalid: refuses to boot'
              : writer
                ? `written by ${vmName(writer.vmId)}`
                : image.usedBy.length > 0
                  ? `base of ${plural(new Set(image.usedBy.map((u) => u.vmId)).size, 'VM')}`
                  : 'unused';
            const siblings = depth === 0 ? roots : nodes.filter((n) => n.image.parentId === image.parentId);
            const hasKids = nodes.some((n) => n.image.parentId === image.id);
            return (
              <g
                key={image.id}
                ref={(el) => {
                  if (el) nodeRefs.current.set(image.id, el);
                  else nodeRefs.current.delete(image.id);
                }}
                data-testid={`node-${image.name}`}
                role="treeitem"
                aria-label={describeNode(image, use)}
                aria-selected={selected === image.id}
                aria-level={depth + 1}
                aria-posinset={siblings.indexOf(node) + 1}
                aria-setsize={siblings.length}
                aria-expanded={hasKids ? true : undefined}
                tabIndex={stop === image.id ? 0 : -1}
                transform={`translate(${x},${y})`}
                onClick={() => {
                  setCurrent(image.id);
                  onSelect(image.id);
                }}
                onFocus={() => setCurrent(image.id)}
                onKeyDown={(e) => onKey(e, image)}
                className="group cursor-pointer outline-none"
              >
                <rect
                  x={-4}
                  y={-4}
                  width={W + 8}
                  height={H + 8}
                  rx={11}
                  className="fill-none stroke-indigo-600 opacity-0 group-focus-visible:opacity-100 dark:stroke-indigo-300"
                  strokeWidth={2}
                />
                <rect width={W} height={H} rx={8} className={tone} strokeWidth={selected === image.id ? 3 : 1} />
                <text x={10} y={18} className="fill-slate-900 text-[12px] font-semibold dark:fill-slate-100">
                  {(image.snapshot ? `snapshot ${image.snapshot.name}` : image.name).slice(0, 30)}
                </text>
                <text x={10} y={35} className="fill-slate-600 text-[11px] dark:fill-slate-300">
                  {image.format} · {formatBytes(image.allocatedSize)} of {formatBytes(image.virtualSize)}
                  {image.protected ? ' · read-only' : ''}
                </text>
                <text
                  x={10}
                  y={52}
                  className={`text-[11px] ${image.valid ? 'fill-slate-600 dark:fill-slate-300' : 'fill-red-700 dark:fill-red-300'}`}
                >
                  {use}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
      <p id={hintId} className="border-t border-slate-200 px-3 py-1.5 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-300">
        Keyboard: Tab into the graph, arrows move between layers (right to a child, left to its parent, up and down among siblings), Enter
        or Space selects.
      </p>
    </div>
  );
}
