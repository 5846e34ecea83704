import type { RawCounters } from '@strata/core';
import { ioChars, namedThreads, rssBytes, taskCpuTicks } from '@strata/host';
import type { QmpClient } from './qmp-client.js';
import type { PoolIoTotal } from './pool-io.js';
import { virtiofsdProcesses } from './virtiofsd.js';

interface BlockStats {
  device?: string;
  qdev?: string;
  stats: {
    rd_bytes: number;
    wr_bytes: number;
    rd_operations: number;
    wr_operations: number;
    rd_total_time_ns: number;
    wr_total_time_ns: number;
  };
}

/** The disk id from a BlockBackend's names: drives are named drive-<id>, devices <id>. */
const diskIdOf = (b: BlockStats): string | null =>
  b.device?.startsWith('drive-') ? b.device.slice(6) : (/\/machine\/peripheral\/([^/]+)\//.exec(b.qdev ?? '')?.[1] ?? null);

export const NINEP_METHOD =
  "rchar/wchar of QEMU's 'worker' threads: 9p runs its file calls there, and disks use io_uring, so nothing else does";

/**
 * Counters of one QEMU VM. Disks: query-blockstats. vCPUs: their threads' CPU time. virtiofs: its
 * own daemons' /proc/<pid>/io, exact per share. 9p: QEMU 7.2 has no per-share counter, so the
 * worker pool's I/O is used, the sum of all 9p shares of the VM.
 */
export async function qemuCounters(
  qmp: QmpClient,
  pid: number,
  dir: string,
  shares: { tag: string; transport: string }[],
  workerIo: PoolIoTotal,
): Promise<RawCounters> {
  const [blocks, cpus] = await Promise.all([
    qmp.execute<BlockStats[]>('query-blockstats', { 'query-nodes': false }),
    qmp.execute<{ 'cpu-index': number; 'thread-id': number }[]>('query-cpus-fast'),
  ]);
  const disks = blocks.flatMap((b) => {
    const id = diskIdOf(b);
    if (!id || id.startsWith('cd')) return [];
    const s = b.stats;
    return [
      {
        id,
        rdBytes: s.rd_bytes,
        wrBytes: s.wr_bytes,
        rdOps: s.rd_operations,
        wrOps: s.wr_operations,
        rdTimeNs: s.rd_total_time_ns,
        wrTimeNs: s.wr_total_time_ns,
      },
    ];
  });
  const ninep = shares.filter((s) => s.transport === '9p');
  const workers = ninep.length > 0 ? namedThreads(pid).filter((t) => t.comm === 'worker') : [];
  const pool = workerIo.update(workers.map((t) => ({ tid: t.tid, ...ioChars(`/proc/${pid}/task/${t.tid}/io`) })));
  return {
    cpu: cpus.map((c) => ({ index: c['cpu-index'], ticks: taskCpuTicks(pid, c['thread-id']) })).sort((a, b) => a.index - b.index),
    rssBytes: rssBytes(pid),
    disks,
    shares: shares.flatMap((s) => {
      if (s.transport === 'virtiofs') {
        const io = virtiofsdProcesses(dir, s.tag)
          .map((p) => ioChars(`/proc/${p}/io`))
          .reduce((a, b) => ({ r: a.r + b.r, w: a.w + b.w }), { r: 0, w: 0 });
        return [
          {
            tag: s.tag,
            transport: s.transport,
            rBytes: io.r,
            wBytes: io.w,
            method: 'rchar/wchar of its own virtiofsd processes',
            exact: true,
          },
        ];
      }
      if (s.transport === '9p') {
        const alone = ninep.length === 1;
        return [
          {
            tag: s.tag,
            transport: s.transport,
            rBytes: pool.r,
            wBytes: pool.w,
            method: alone ? NINEP_METHOD : `${NINEP_METHOD}; the sum of this VM's ${ninep.length} 9p shares`,
            exact: alone,
          },
        ];
      }
      return [];
    }),
  };
}
