import { readFileSync, statSync } from 'node:fs';
import type { HostSample } from '@strata/contract';
import { parseDiskstats, parseMeminfo, parseProcStat } from '@strata/host';

/** The block device holding `path`, by its device number in /sys/dev/block (the whole disk for a partition). */
function deviceOf(path: string): string {
  const dev = statSync(path).dev;
  const id = `${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | ((dev >> 12) & 0xfff00)}`;
  try {
    const uevent = readFileSync(`/sys/dev/block/${id}/uevent`, 'utf8');
    return /^DEVNAME=(.+)$/m.exec(uevent)?.[1] ?? id;
  } catch {
    return id;
  }
}

/** Host CPU, memory, and throughput of the disk holding the data directory, from /proc. */
export function createHostSampler(dataDir: string) {
  const device = deviceOf(dataDir);
  let prev: { ts: number; cpu: { busy: number; total: number }; disk?: { r: number; w: number } } | null = null;
  return (ts: number): HostSample | null => {
    const cpu = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    const d = parseDiskstats(readFileSync('/proc/diskstats', 'utf8')).get(device);
    const disk = d ? { r: d.sectorsRead * 512, w: d.sectorsWritten * 512 } : undefined;
    const mem = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
    const last = prev;
    prev = { ts, cpu, disk };
    if (!last) return null;
    const dt = (ts - last.ts) / 1000;
    const rate = (a?: number, b?: number) => (a === undefined || b === undefined || b < a || dt <= 0 ? 0 : (b - a) / dt);
    const total = cpu.total - last.cpu.total;
    return {
      ts,
      cpuPercent: total > 0 ? (100 * (cpu.busy - last.cpu.busy)) / total : 0,
      memUsedBytes: mem.totalBytes - mem.availableBytes,
      memTotalBytes: mem.totalBytes,
      disk: { device, readBps: rate(last.disk?.r, disk?.r), writeBps: rate(last.disk?.w, disk?.w) },
    };
  };
}
