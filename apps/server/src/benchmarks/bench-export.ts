import type { BenchmarkRun } from '@strata/contract';

const COLUMNS = [
  'target',
  'variant',
  'pattern',
  'block_size',
  'state',
  'bytes_per_sec',
  'mb_per_sec',
  'iops',
  'io_bytes',
  'runtime_ms',
  'direct',
  'note',
  'error',
] as const;

/**
 * A field a spreadsheet would run as a formula: = + - @ (or their full-width forms) first, even
 * after leading blanks (spaces, tabs, no-break and zero-width spaces, a byte-order mark), or a
 * tab or carriage return first.
 */
const FORMULA = /^[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

/**
 * One CSV field, always quoted. Errors and notes can carry text a guest wrote: a formula start is
 * defused with an apostrophe, and a quote is doubled.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '""';
  let text = String(value);
  if (typeof value === 'string' && FORMULA.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function runToCsv(run: BenchmarkRun): string {
  const host = run.host;
  const head = [
    `# Strata share benchmark ${run.id}, ${run.createdAt}, ${run.state}; ${run.options.sizeMiB} MiB per cell`,
    `# host ${host.hostname}: ${host.cpuModel}, ${host.cpus} CPUs, kernel ${host.kernel}, ${host.qemuVersion}, accelerator ${host.accelerator}, file system ${host.fileSystem}`,
  ].map((l) => l.replace(/[\r\n]/g, ' '));
  const rows = run.cells.map((c) =>
    [
      c.target,
      c.variant,
      c.pattern,
      c.blockSize,
      c.state,
      c.bytesPerSec === null ? null : Math.round(c.bytesPerSec),
      c.bytesPerSec === null ? null : (c.bytesPerSec / 1e6).toFixed(2),
      c.iops === null ? null : Math.round(c.iops),
      c.ioBytes,
      c.runtimeMs,
      c.direct,
      c.note,
      c.error,
    ]
      .map(csvField)
      .join(','),
  );
  return [...head, COLUMNS.map(csvField).join(','), ...rows].join('\n') + '\n';
}
