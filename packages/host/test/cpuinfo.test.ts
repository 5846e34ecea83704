import { describe, expect, it } from 'vitest';
import { parseCpuinfo, parseMeminfo, parseVersion } from '../src/cpuinfo.js';

/** n processors on `sockets` sockets with `cores` cores each and `siblings` logical CPUs each. */
function cpuinfo(sockets: number, cores: number, siblings: number, flags: string): string {
  const blocks: string[] = [];
  let n = 0;
  for (let s = 0; s < sockets; s++) {
    for (let t = 0; t < siblings; t++) {
      blocks.push(
        [
          `processor\t: ${n++}`,
          'model name\t: Test CPU',
          `physical id\t: ${s}`,
          `siblings\t: ${siblings}`,
          `core id\t\t: ${t % cores}`,
          `cpu cores\t: ${cores}`,
          `flags\t\t: ${flags}`,
        ].join('\n'),
      );
    }
  }
  return `${blocks.join('\n\n')}\n\n`;
}

describe('parseCpuinfo (/proc/cpuinfo: physical id, cpu cores, siblings)', () => {
  it('sees two sockets of four cores with hyper-threading', () => {
    const cpu = parseCpuinfo(cpuinfo(2, 4, 8, 'fpu vmx ept vpid sse'));
    expect(cpu).toMatchObject({
      sockets: 2,
      coresPerSocket: 4,
      threadsPerCore: 2,
      logicalCpus: 16,
      hyperThreading: true,
      virtualization: 'vmx',
      ept: true,
      vpid: true,
    });
  });
  it('sees one socket without hyper-threading and no virtualization flags', () => {
    const cpu = parseCpuinfo(cpuinfo(1, 2, 2, 'fpu sse'));
    expect(cpu).toMatchObject({
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 1,
      logicalCpus: 2,
      hyperThreading: false,
      virtualization: null,
      ept: false,
    });
  });
  it('reads AMD SVM with nested paging as EPT', () => {
    expect(parseCpuinfo(cpuinfo(1, 1, 1, 'svm npt'))).toMatchObject({ virtualization: 'svm', ept: true, vpid: false });
  });
});

describe('parseMeminfo and parseVersion', () => {
  it('reads MemTotal and MemAvailable in bytes', () => {
    expect(parseMeminfo('MemTotal:       2048 kB\nMemFree: 1 kB\nMemAvailable:   1024 kB\n')).toEqual({
      totalBytes: 2097152,
      availableBytes: 1048576,
    });
  });
  it('finds versions in tool banners', () => {
    expect(parseVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7)')).toBe('7.2.22');
    expect(parseVersion('6.1.176\n')).toBe('6.1.176');
    expect(parseVersion('bubblewrap 0.8.0\n')).toBe('0.8.0');
    expect(parseVersion('no digits')).toBeNull();
  });
});
