import { describe, expect, it } from 'vitest';
import { formatCpuList, parseCpuList, parseLastCpu, readAffinity } from '../src/affinity.js';

describe('CPU lists and thread stats', () => {
  it('parses and formats the kernel cpu-list format', () => {
    expect(parseCpuList('0-2,5,7-8\n')).toEqual([0, 1, 2, 5, 7, 8]);
    expect(parseCpuList('1')).toEqual([1]);
    expect(formatCpuList([5, 1, 1, 0])).toBe('0,1,5');
  });
  it('reads the last CPU from a stat line whose command name has spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[39 - 3] = '7';
    expect(parseLastCpu(`1234 (CPU 0/TCG (x)) ${fields.join(' ')}`)).toBe(7);
  });
  it("reads this very thread's affinity from /proc", () => {
    const mine = readAffinity(process.pid, process.pid);
    expect(mine.affinity.length).toBeGreaterThan(0);
    expect(mine.affinity).toContain(mine.lastCpu);
  });
});
