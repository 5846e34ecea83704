import { describe, expect, it } from 'vitest';
import type { Image } from '@strata/contract';
import { layoutForest, neighbour } from '../../src/features/images/forest-layout';

const image = (id: string, parentId: string | null): Image => ({ id, parentId, name: id }) as unknown as Image;

// base ─┬─ a ── a1
//       └─ b
// other
const images = [image('a1', 'a'), image('base', null), image('b', 'base'), image('a', 'base'), image('other', null)];

describe('the image forest', () => {
  it('lists each parent before its layers, so the DOM reads as the tree does', () => {
    expect(layoutForest(images).map((p) => [p.image.id, p.depth])).toEqual([
      ['base', 0],
      ['b', 1],
      ['a', 1],
      ['a1', 2],
      ['other', 0],
    ]);
  });

  it('centres a parent on its layers and gives each leaf its own row', () => {
    const y = new Map(layoutForest(images).map((p) => [p.image.id, p.y]));
    expect(new Set([y.get('b'), y.get('a1'), y.get('other')]).size).toBe(3);
    expect(y.get('base')).toBe((y.get('b')! + y.get('a')!) / 2);
  });

  it('moves right to a first layer, left to the parent, up and down among siblings', () => {
    const by = (id: string) => images.find((i) => i.id === id)!;
    const go = (from: string, key: string) => neighbour(images, by(from), key)?.id;
    expect(go('base', 'ArrowRight')).toBe('b');
    expect(go('b', 'ArrowDown')).toBe('a');
    expect(go('a', 'ArrowUp')).toBe('b');
    expect(go('a', 'ArrowRight')).toBe('a1');
    expect(go('a1', 'ArrowLeft')).toBe('a');
    expect(go('base', 'ArrowDown')).toBe('other');
    expect(go('base', 'ArrowLeft')).toBeUndefined();
    expect(go('a1', 'ArrowRight')).toBeUndefined();
    expect(go('a1', 'End')).toBe('other');
    expect(go('a1', 'Home')).toBe('base');
  });
});
