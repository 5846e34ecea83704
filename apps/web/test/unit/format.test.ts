import { describe, expect, it } from 'vitest';
import { formatBytes, formatMiB, formatSeconds, plural } from '../../src/components/format';

describe('formatBytes', () => {
  it('counts in binary units at their edges', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1)).toBe('1 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1024 ** 2)).toBe('1 MiB');
    expect(formatBytes(1073741824)).toBe('1 GiB');
    expect(formatBytes(1024 ** 4)).toBe('1 TiB');
    expect(formatBytes(16 * 1024 ** 4)).toBe('16 TiB');
  });

  it('rounds to one decimal below 100 and to whole numbers above', () => {
    expect(formatBytes(50 * 1024 ** 3)).toBe('50 GiB');
    expect(formatBytes(99.94 * 1024 ** 2)).toBe('99.9 MiB');
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
    expect(formatBytes(300.4 * 1024)).toBe('300 KiB');
  });

  it('moves to the next unit rather than show 1024 of one', () => {
    expect(formatBytes(1023.6)).toBe('1 KiB');
    expect(formatBytes(1023.7 * 1024)).toBe('1 MiB');
  });

  it('takes non-integers, negatives and nonsense', () => {
    expect(formatBytes(1.4)).toBe('1 B');
    expect(formatBytes(2.5 * 1024)).toBe('2.5 KiB');
    expect(formatBytes(-1024)).toBe('-1 KiB');
    expect(formatBytes(-5)).toBe('-5 B');
    expect(formatBytes(Number.NaN)).toBe('—');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('formatMiB', () => {
  it('reads MiB fields in the unit that fits', () => {
    expect(formatMiB(64)).toBe('64 MiB');
    expect(formatMiB(256)).toBe('256 MiB');
    expect(formatMiB(1024)).toBe('1 GiB');
    expect(formatMiB(1536)).toBe('1.5 GiB');
    expect(formatMiB(1048576)).toBe('1 TiB');
    expect(formatMiB(0)).toBe('0 B');
  });
});

describe('plural', () => {
  it('says one thing and many things', () => {
    expect(plural(1, 'VM')).toBe('1 VM');
    expect(plural(4, 'VM')).toBe('4 VMs');
    expect(plural(0, 'VM')).toBe('0 VMs');
    expect(plural(64, 'core')).toBe('64 cores');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
  });
});

describe('formatSeconds', () => {
  it('says whole hours and minutes as such', () => {
    expect(formatSeconds(1)).toBe('1 second');
    expect(formatSeconds(5)).toBe('5 seconds');
    expect(formatSeconds(60)).toBe('1 minute');
    expect(formatSeconds(90)).toBe('90 seconds');
    expect(formatSeconds(300)).toBe('5 minutes');
    expect(formatSeconds(3600)).toBe('1 hour');
  });
});
