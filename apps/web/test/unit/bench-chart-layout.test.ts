import { describe, expect, it } from 'vitest';
import { barAxis, barBoxes } from '../../src/components/bar-layout';

describe('the bar chart', () => {
  it('tops a linear axis with a round number above the tallest bar', () => {
    const axis = barAxis([672.5, 354, null, 8.9], 'linear', 5);
    expect(axis.ticks).toEqual([0, 200, 400, 600, 800]);
    expect(axis.fraction(400)).toBe(0.5);
    expect(barAxis([null], 'linear').ticks).toEqual([0, 1]);
    expect(barAxis([0.42], 'linear', 4).ticks).toEqual([0, 0.2, 0.4, 0.6]);
  });

  it('spans whole powers of ten on a log axis, so a 0.5 MB/s bar shows beside a 600 MB/s one', () => {
    const axis = barAxis([0.5, 600], 'log');
    expect(axis.ticks).toEqual([0.1, 1, 10, 100, 1000]);
    expect(axis.fraction(0.1)).toBe(0);
    expect(axis.fraction(10)).toBeCloseTo(0.5);
  });

  it('puts bars side by side inside their group, centred on its label', () => {
    const { boxes, groupCentres } = barBoxes(0, 300, 3, 2);
    expect(groupCentres).toEqual([50, 150, 250]);
    expect(boxes).toHaveLength(6);
    expect(boxes[0]!.x + boxes[0]!.width).toBe(boxes[1]!.x);
    expect(boxes[1]!.x + boxes[1]!.width - groupCentres[0]!).toBeCloseTo(groupCentres[0]! - boxes[0]!.x);
    expect(boxes.every((b) => b.width <= 28)).toBe(true);
  });
});
