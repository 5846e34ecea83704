import { describe, expect, it } from 'vitest';
import { hostRatios as shared } from '@strata/contract/bench-ratios';
import { formatRatio, hostRatios } from '../../src/features/benchmarks/bench-ratios';
import { columnLabel, variantWords } from '../../src/features/benchmarks/bench-words';
import { articleCells } from './bench-fixtures';

// The definition and its test against the article's table live in packages/contract/test/bench-ratios.test.ts.
describe("the run page's ratios", () => {
  it('are the shared definition the server uses, not a copy', () => {
    expect(hostRatios).toBe(shared);
    const r = new Map(hostRatios(articleCells()).map((x) => [x.id, x]));
    expect(formatRatio(r.get('small-seq-blk')!.value)).toBe('1.87×');
    expect(formatRatio(r.get('block-default-msize')!.value)).toBe('—');
  });

  it('names a recorded run\'s "msize 100000000" as the server now names it', () => {
    expect(variantWords('msize 100000000')).toBe('msize 100 MB');
    expect(columnLabel('9p', 'msize 100000000')).toBe('9p msize 100 MB');
    expect(columnLabel('9p', 'msize 512 KiB')).toBe('9p msize 512 KiB');
  });
});
