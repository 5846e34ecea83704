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
 * One CSV field. Errors and notes can carry text a guest wrote: quoted, and a leading = + - @
 * (which a spreadsheet would run as a formula) is defused with an apostrophe.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) || text !== String(value) ? `"${text.replace(/"/g, '""')}"` : text;
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
  return [...head, COLUMNS.join(','), ...rows].join('\n') + '\n';
}
