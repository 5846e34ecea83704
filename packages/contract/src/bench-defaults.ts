// What a share benchmark does when the request leaves it open, read by the server (resolving a
// request) and the web (the run dialog's defaults and its estimate). Plain values, no TypeBox
// (@strata/contract/bench-defaults).

/**
 * I/O per cell. Measured on a 2-core TCG host: a cell's cost is mostly the guest starting fio, not
 * the I/O, and slow cells stop at the cap. So the size is chosen for the fast cells (1 MB blocks at
 * 50-400 MB/s: 16 MiB took 40-300 ms, too short to mean much) and the cap for the slow ones (4 KB
 * blocks at 1-5 MB/s).
 */
export const BENCH_DEFAULT_SIZE_MIB = 64;
export const BENCH_SIZE_MIB_MIN = 1;
export const BENCH_SIZE_MIB_MAX = 4096;
/** No cell's timed part runs longer than this, whatever sizeMiB asks. */
export const BENCH_DEFAULT_RUNTIME_CAP_SEC = 2;

/**
 * What one cell costs from start to finish, its timed part included (which the cap bounds, so the
 * size hardly matters): the agent's round trips, fio starting in the guest, dropped caches, a read's
 * untimed layout. Measured on a loaded 2-core host under TCG: 2.9 to 5.9 s. KVM could not be measured
 * there (no /dev/kvm): its range is a guess, the cap plus about a second either way.
 */
export const BENCH_CELL_SEC = { tcg: [2.9, 5.9], kvm: [1, 3.5] } as const;
/** One throwaway VM per target, from start to its agent's first answer: 20 to 50 s under TCG (KVM: a guess). */
export const BENCH_BOOT_SEC = { tcg: [20, 50], kvm: [4, 12] } as const;
