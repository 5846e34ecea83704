import type { Image } from '@strata/contract';

export const W = 230;
export const H = 64;
export const GAP_X = 60;
export const GAP_Y = 18;

export interface Placed {
  image: Image;
  x: number;
  y: number;
  depth: number;
}

/** Bases at the left, each overlay to the right of its parent; every leaf gets its own row. */
export function layoutForest(images: Image[]): Placed[] {
  const ids = new Set(images.map((i) => i.id));
  const placed: Placed[] = [];
  let row = 0;
  // Pre-order, so the DOM (and a screen reader) meets each parent before its layers.
  const place = (image: Image, depth: number): number => {
    const entry: Placed = { image, x: depth * (W + GAP_X), y: 0, depth };
    placed.push(entry);
    const ys = images.filter((i) => i.parentId === image.id).map((k) => place(k, depth + 1));
    entry.y = ys.length > 0 ? (ys[0]! + ys.at(-1)!) / 2 : row++ * (H + GAP_Y);
    return entry.y;
  };
  images.filter((i) => i.parentId === null || !ids.has(i.parentId)).forEach((root) => place(root, 0));
  return placed;
}

/** The node an arrow key leads to: right to the first child, left to the parent, up and down among siblings. */
export function neighbour(images: Image[], from: Image, key: string): Image | undefined {
  const ids = new Set(images.map((i) => i.id));
  const parentOf = (i: Image) => (i.parentId !== null && ids.has(i.parentId) ? i.parentId : null);
  const siblings = images.filter((i) => parentOf(i) === parentOf(from));
  const at = siblings.indexOf(from);
  switch (key) {
    case 'ArrowRight':
      return images.find((i) => i.parentId === from.id);
    case 'ArrowLeft':
      return images.find((i) => i.id === parentOf(from));
    case 'ArrowDown':
      return siblings[at + 1];
    case 'ArrowUp':
      return siblings[at - 1];
    case 'Home':
      return images.find((i) => parentOf(i) === null);
    case 'End':
      return images.filter((i) => parentOf(i) === null).at(-1);
  }
  return undefined;
}
