/**
 * fio's JSON output, as a guest sends it: untrusted. A guest can send anything, so every number is
 * checked for type, sign and a plausible size, and what does not fit becomes the cell's error.
 */
export type FioResult = { ok: true; bytesPerSec: number; iops: number; ioBytes: number; runtimeMs: number } | { ok: false; error: string };

/** No virtual device on this kind of host moves a terabyte a second; a larger figure is made up. */
export const MAX_BYTES_PER_SEC = 1e12;
const MAX_IOPS = 1e9;
/** More than a day of runtime, or more than a petabyte moved, is not a benchmark cell. */
const MAX_RUNTIME_MS = 86_400_000;
const MAX_IO_BYTES = 1e15;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function numberField(side: Record<string, unknown>, key: string, max: number): number | string {
  const v = side[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) return `fio's ${key} is missing or not a number`;
  if (v < 0) return `fio's ${key} is negative (${v})`;
  if (v > max) return `fio's ${key} is implausibly large (${v})`;
  return v;
}

/** One side (read or write) of fio's first job, reduced to the cell's figures. */
export function parseFio(raw: unknown, direction: 'read' | 'write'): FioResult {
  const fail = (error: string): FioResult => ({ ok: false, error });
  if (!isObject(raw) || !Array.isArray(raw.jobs) || raw.jobs.length === 0) return fail('fio returned no jobs');
  const job: unknown = raw.jobs[0];
  if (!isObject(job)) return fail('fio returned a job that is not an object');
  // Never stringify a guest's value of unknown shape: a 500k-deep array makes JSON.stringify throw.
  if (job.error !== undefined && job.error !== 0) {
    if (typeof job.error !== 'number' || !Number.isInteger(job.error)) {
      return fail(
        `the guest's fio report is malformed: the job's error is ${Array.isArray(job.error) ? 'an array' : job.error === null ? 'null' : typeof job.error === 'object' ? 'an object' : `a ${typeof job.error}`}, not a whole number`,
      );
    }
    return fail(`fio's job failed with error ${job.error}`);
  }
  const side = job[direction];
  if (!isObject(side)) return fail(`fio returned no ${direction} figures`);
  const ioBytes = numberField(side, 'io_bytes', MAX_IO_BYTES);
  const runtimeMs = numberField(side, 'runtime', MAX_RUNTIME_MS);
  const iops = numberField(side, 'iops', MAX_IOPS);
  const bw = numberField(side, 'bw_bytes', MAX_BYTES_PER_SEC);
  for (const v of [ioBytes, runtimeMs, iops, bw]) if (typeof v === 'string') return fail(v);
  if ((ioBytes as number) === 0 || (runtimeMs as number) === 0) return fail(`fio did no ${direction}s`);
  // bw_bytes is rounded by fio to whole bytes per second; bytes over time is the exact figure.
  const bytesPerSec = (ioBytes as number) / ((runtimeMs as number) / 1000);
  if (bytesPerSec > MAX_BYTES_PER_SEC) return fail(`fio's figures give an implausible ${bytesPerSec} bytes per second`);
  return { ok: true, bytesPerSec, iops: iops as number, ioBytes: ioBytes as number, runtimeMs: runtimeMs as number };
}
