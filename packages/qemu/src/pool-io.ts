/**
 * The I/O of QEMU's worker pool, where 9p makes its file calls. Idle workers exit after ten
 * seconds and new ones get new thread ids, so a plain sum over the live threads drops whenever one
 * leaves (read as a counter reset: the cell's bytes vanish from the series). Threads that left keep
 * their last count here, so the total only grows.
 */
export class PoolIoTotal {
  private retired = { r: 0, w: 0 };
  private readonly live = new Map<number, { r: number; w: number }>();

  update(threads: { tid: number; r: number; w: number }[]): { r: number; w: number } {
    const seen = new Set<number>();
    for (const t of threads) {
      const prev = this.live.get(t.tid);
      // A smaller count under a known id is a new thread that reuses it: the old one's count stays.
      if (prev && (t.r < prev.r || t.w < prev.w)) this.retire(prev);
      this.live.set(t.tid, { r: t.r, w: t.w });
      seen.add(t.tid);
    }
    for (const [tid, io] of this.live) {
      if (seen.has(tid)) continue;
      this.retire(io);
      this.live.delete(tid);
    }
    let { r, w } = this.retired;
    for (const io of this.live.values()) {
      r += io.r;
      w += io.w;
    }
    return { r, w };
  }

  private retire(io: { r: number; w: number }): void {
    this.retired = { r: this.retired.r + io.r, w: this.retired.w + io.w };
  }
}
