import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { expandCells, resolveMatrix, type BenchVariant } from '../src/bench-matrix.js';
import { runBenchmark, type BenchGuest, type BenchLab } from '../src/bench-runner.js';
import type { AgentReply, AgentRequest } from '../src/ports.js';

type Script = (req: AgentRequest, vm: FakeVm) => Promise<AgentReply> | AgentReply;
interface FakeVm {
  id: string;
  dead: string | null;
  calls: AgentRequest[];
}

const fio = (side: 'read' | 'write', bytes = 1048576 * 4) => ({
  ok: true as const,
  fio: { jobs: [{ error: 0, [side]: { io_bytes: bytes, runtime: 100, iops: 10, bw_bytes: bytes * 10 } }] },
});
const answer: Script = (req) => {
  if (req.op === 'device') return { ok: true, path: '/dev/vdb' };
  if (req.op === 'fio') return fio(req.rw.includes('read') ? 'read' : 'write');
  return { ok: true };
};

function fakeLab(script: Script = answer, opts: { bootFails?: string } = {}) {
  const vms: FakeVm[] = [];
  const disposed: string[] = [];
  const lab: BenchLab = {
    async boot(_target, _variants: BenchVariant[], signal) {
      if (opts.bootFails) throw new Error(opts.bootFails);
      const vm: FakeVm = { id: `vm${vms.length}`, dead: null, calls: [] };
      vms.push(vm);
      const guest: BenchGuest = {
        vmId: vm.id,
        agent: {
          call: async (req, { signal: s }) => {
            vm.calls.push(req);
            if (vm.dead) throw new Error('the channel closed');
            if (s?.aborted ?? signal.aborted) throw new Error('aborted');
            return script(req, vm);
          },
        },
        reach: (v) =>
          v.target === '9p' ? { kind: 'mount', transport: '9p', tag: `t${v.variant.length}` } : { kind: 'device', sizeBytes: 1 << 30 },
        exitReason: () => vm.dead,
      };
      return guest;
    },
    async dispose(guest) {
      disposed.push(guest.vmId);
    },
  };
  return { lab, vms, disposed };
}

const hooks = (signal = new AbortController().signal) => ({ signal, changed: () => undefined, now: () => 'now' });

describe('benchmark runner against a fake agent', () => {
  const matrix = resolveMatrix({ targets: ['virtio-blk'], patterns: ['seq-read', 'seq-write'], blockSizes: [65536, 1048576], sizeMiB: 4 });

  it('runs every cell in one VM, writes before reads, and removes the VM', async () => {
    const { lab, vms, disposed } = fakeLab();
    const cells = expandCells(matrix);
    await runBenchmark(matrix, cells, lab, hooks());
    expect(cells.map((c) => c.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(cells[0]).toMatchObject({ bytesPerSec: 4 * 1048576 * 10, iops: 10, direct: true, vmId: 'vm0' });
    expect(vms).toHaveLength(1);
    expect(disposed).toEqual(['vm0']);
    const fios = vms[0]!.calls.filter((c) => c.op === 'fio');
    expect(fios.map((c) => (c.op === 'fio' ? c.rw : ''))).toEqual(['write', 'read', 'write', 'read']);
  });

  it('lays the file out first when only reads are asked', async () => {
    const { lab, vms } = fakeLab();
    const m = resolveMatrix({ targets: ['virtio-blk'], patterns: ['rand-read'], blockSizes: [4096], sizeMiB: 4 });
    const cells = expandCells(m);
    await runBenchmark(m, cells, lab, hooks());
    const fios = vms[0]!.calls.flatMap((c) => (c.op === 'fio' ? [`${c.rw}/${c.blockSize}/${c.runtimeSec}`] : []));
    expect(fios).toEqual(['write/1048576/3600', `randread/4096/${m.runtimeCapSec}`]);
  });

  it('gives each fio call a bounded time: the cell three caps plus a minute, the layout a minute plus 2 s per MiB', async () => {
    const timeouts: string[] = [];
    const { lab } = fakeLab();
    const m = resolveMatrix({ targets: ['virtio-blk'], patterns: ['seq-read'], blockSizes: [4096], sizeMiB: 4 });
    const timed: BenchLab = {
      ...lab,
      boot: async (...args) => {
        const guest = await lab.boot(...args);
        const call = guest.agent.call;
        guest.agent.call = (req, opts) => {
          if (req.op === 'fio') timeouts.push(`${req.runtimeSec}:${opts.timeoutMs}`);
          return call(req, opts);
        };
        return guest;
      },
    };
    await runBenchmark(m, expandCells(m), timed, hooks());
    expect(timeouts).toEqual(['3600:68000', `${m.runtimeCapSec}:${m.runtimeCapSec * 3000 + 60_000}`]);
  });

  it('fails the cell of a guest that stopped answering and boots a fresh VM for the rest', async () => {
    let hung = false;
    const { lab, vms } = fakeLab((req, vm) => {
      if (req.op === 'fio' && req.rw === 'write' && !hung) {
        hung = true;
        throw new Error("the guest's agent did not answer within 66000 ms");
      }
      if (req.op === 'ping' && hung && vm.id === 'vm0') throw new Error("the guest's agent did not answer within 15000 ms");
      return answer(req, vm);
    });
    const cells = expandCells(matrix);
    await runBenchmark(matrix, cells, lab, hooks());
    expect(cells[0]).toMatchObject({
      state: 'failed',
      error: "the guest stopped answering: the guest's agent did not answer within 66000 ms",
    });
    expect(cells.slice(1).every((c) => c.state === 'done' && c.vmId === 'vm1')).toBe(true);
    expect(vms).toHaveLength(2);
  });

  it('fails the cell of a guest that died, with the reason, and boots a fresh VM for the rest', async () => {
    let killed = false;
    const { lab, vms, disposed } = fakeLab((req, vm) => {
      if (req.op === 'fio' && req.rw === 'read' && !killed) {
        killed = true;
        vm.dead = 'killed by signal 9';
        throw new Error('the channel closed');
      }
      return answer(req, vm);
    });
    const cells = expandCells(matrix);
    await runBenchmark(matrix, cells, lab, hooks());
    expect(cells[1]).toMatchObject({ state: 'failed', error: 'the VM died during this cell: killed by signal 9' });
    expect(cells.filter((c) => c.state === 'done')).toHaveLength(3);
    expect(vms).toHaveLength(2);
    expect(disposed).toEqual(['vm0', 'vm1']);
  });

  it('turns garbage from the guest into a cell error and keeps a guest that still answers', async () => {
    const { lab, vms } = fakeLab((req, vm) =>
      req.op === 'fio' && req.blockSize === 65536 ? { ok: true, fio: { jobs: [{ read: { io_bytes: 'lots' } }] } } : answer(req, vm),
    );
    const cells = expandCells(matrix);
    await runBenchmark(matrix, cells, lab, hooks());
    expect(cells[0]!.state).toBe('failed');
    expect(cells[0]!.error).toMatch(/no write figures|io_bytes/);
    expect(cells.slice(2).every((c) => c.state === 'done')).toBe(true);
    expect(vms).toHaveLength(1);
  });

  it("keeps a guest's long error text to 500 characters, ending in an ellipsis", async () => {
    const long = 'x'.repeat(10_000);
    const { lab } = fakeLab((req, vm) => (req.op === 'fio' && req.blockSize === 65536 ? { ok: false, error: long } : answer(req, vm)));
    const cells = expandCells(matrix);
    await runBenchmark(matrix, cells, lab, hooks());
    expect(cells[0]!.state).toBe('failed');
    expect(cells[0]!.error).toHaveLength(500);
    expect(cells[0]!.error!.endsWith('…')).toBe(true);
    expect(cells[0]!.error!.startsWith('x')).toBe(true);
  });

  it('fails every cell of a target whose VM cannot start, and says why', async () => {
    const { lab } = fakeLab(answer, { bootFails: 'no kernel' });
    const cells = expandCells(matrix);
    await runBenchmark(matrix, cells, lab, hooks());
    expect(cells.every((c) => c.state === 'failed' && c.error === 'the benchmark VM did not start: no kernel')).toBe(true);
  });

  it('falls back to the guest cache with caches dropped when O_DIRECT is refused, and says so', async () => {
    const { lab, vms } = fakeLab((req, vm) =>
      req.op === 'fio' && req.direct ? { ok: false, error: 'fio: file system does not support direct=1' } : answer(req, vm),
    );
    const m = resolveMatrix({ targets: ['9p'], patterns: ['seq-write'], blockSizes: [1048576], sizeMiB: 4 });
    const cells = expandCells(m);
    await runBenchmark(m, cells, lab, hooks());
    expect(cells.every((c) => c.state === 'done' && c.direct === false && /O_DIRECT/.test(c.note ?? ''))).toBe(true);
    // The agent adds fio's end_fsync to writes without O_DIRECT: the note says so instead of warning of cached writes.
    expect(cells.every((c) => /writes are flushed to the host \(fsync\) at the end/.test(c.note ?? ''))).toBe(true);
    expect(cells.some((c) => /page cache/.test(c.note ?? ''))).toBe(false);
    expect(vms[0]!.calls.some((c) => c.op === 'dropcaches')).toBe(true);
    expect(vms[0]!.calls.find((c) => c.op === 'mount')).toMatchObject({ options: 'version=9p2000.L,cache=none,msize=100000000' });
    expect(vms[0]!.calls.filter((c) => c.op === 'mount').at(-1)).toMatchObject({ options: 'version=9p2000.L,cache=none' });
  });

  it('on cancel marks the rest skipped, removes the VM and rejects', async () => {
    const controller = new AbortController();
    const { lab, disposed } = fakeLab((req, vm) => {
      if (req.op === 'fio' && req.rw === 'read') controller.abort();
      return answer(req, vm);
    });
    const cells = expandCells(matrix);
    await expect(runBenchmark(matrix, cells, lab, hooks(controller.signal))).rejects.toThrow(/cancelled/);
    expect(cells[0]!.state).toBe('done');
    expect(cells.slice(2).every((c) => c.state === 'skipped')).toBe(true);
    expect(disposed).toEqual(['vm0']);
  });

  it("holds at most one abort listener on the job's signal at a time, and none once the run ends", async () => {
    // An agent that listens on the signal for as long as a call runs, as packages/host's LineChannel does.
    const job = new AbortController();
    let most = 0;
    const { lab } = fakeLab(async (req, vm) => {
      most = Math.max(most, getEventListeners(job.signal, 'abort').length);
      return answer(req, vm);
    });
    const listening: BenchLab = {
      ...lab,
      async boot(target, variants, signal) {
        const guest = await lab.boot(target, variants, signal);
        const call = guest.agent.call.bind(guest.agent);
        guest.agent = {
          call: async (req, options) => {
            const onAbort = () => undefined;
            options.signal?.addEventListener('abort', onAbort, { once: true });
            try {
              return await call(req, options);
            } finally {
              options.signal?.removeEventListener('abort', onAbort);
            }
          },
        };
        return guest;
      },
    };
    const m = resolveMatrix({ targets: ['9p', 'virtio-blk'], sizeMiB: 4 });
    const cells = expandCells(m);
    await runBenchmark(m, cells, listening, hooks(job.signal));
    expect(cells.length).toBeGreaterThan(40);
    expect(cells.every((c) => c.state === 'done')).toBe(true);
    expect(most).toBe(1);
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
  });
});
