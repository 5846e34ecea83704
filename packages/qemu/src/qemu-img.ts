import { CommandError, run, runOk, type RunOptions } from '@strata/host';

export interface QemuImgInfo {
  filename: string;
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  'format-specific'?: { type: string; data?: Record<string, unknown> };
}

/**
 * qemu-img is always told each file's format (-f, -F): without it, it guesses from the content,
 * and a guest that writes a qcow2 header into its raw disk makes it read any host file as the
 * "backing file". When the stated format does not open, that is reported, never reinterpreted.
 */
export class ImageFormatError extends Error {}

const tail = (err: unknown): string =>
  (err instanceof CommandError ? err.result.stderr || err.result.stdout : String(err)).trim().split('\n').slice(-3).join(' ');

async function img(argv: string[], path: string, format: string, options: RunOptions = {}) {
  try {
    return await runOk(['qemu-img', ...argv], options);
  } catch (err) {
    if (options.signal?.aborted || !(err instanceof CommandError)) throw err;
    throw new ImageFormatError(`image ${path} is recorded as ${format}, but qemu-img ${argv[0]} of it as ${format} failed: ${tail(err)}`);
  }
}

/** `qemu-img convert -p` prints "(12.34/100%)" with carriage returns; the last one counts. */
export function parseConvertProgress(chunk: string): number | null {
  const all = [...chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  const last = all.at(-1);
  return last ? Number(last[1]) / 100 : null;
}

/** The run option that turns `qemu-img … -p` output into progress from 0 to 1. */
export const progressTo = (onProgress: (p: number) => void) => ({
  onStdout: (chunk: string) => {
    const p = parseConvertProgress(chunk);
    if (p !== null) onProgress(p);
  },
});

/**
 * Writes what the guest sees through `source`'s chain into a new `target`: standalone (in
 * `format`, qcow2 unless told), or as a qcow2 overlay on `backing`. Not `convert -B`: that copies
 * only what the top layer allocates and silently drops the layers between it and the new backing.
 * A safe rebase of a copy of the top pulls exactly those layers in, and leaves every existing file
 * untouched.
 */
export async function convertImage(
  source: string,
  sourceFormat: string,
  target: string,
  options: {
    backing?: { path: string; format: string };
    format?: string;
    onProgress(p: number): void;
    signal: AbortSignal;
  },
): Promise<void> {
  const progress = { signal: options.signal, ...progressTo(options.onProgress) };
  if (!options.backing) {
    await img(['convert', '-p', '-f', sourceFormat, '-O', options.format ?? 'qcow2', source, target], source, sourceFormat, progress);
    return;
  }
  if (sourceFormat !== 'qcow2') throw new ImageFormatError(`only a qcow2 layer can be rebased; ${source} is recorded as ${sourceFormat}`);
  await runOk(['cp', '--sparse=always', source, target], { signal: options.signal });
  await img(
    ['rebase', '-p', '-f', 'qcow2', '-F', options.backing.format, '-b', options.backing.path, target],
    source,
    sourceFormat,
    progress,
  );
}

/** qemu-img compare: 0 identical, 1 different, anything else an error. */
export async function sameContent(a: string, formatA: string, b: string, formatB: string): Promise<boolean> {
  const result = await run(['qemu-img', 'compare', '-q', '-f', formatA, '-F', formatB, a, b]);
  if (result.code === 0) return true;
  if (result.code === 1) return false;
  throw new ImageFormatError(`qemu-img compare of ${a} (recorded as ${formatA}) with ${b} (${formatB}) failed: ${result.stderr.trim()}`);
}

export async function createBlank(
  path: string,
  o: { format: string; sizeBytes: number; clusterSize?: number; preallocation?: string; lazyRefcounts?: boolean; compat?: string },
): Promise<void> {
  const options = [
    o.clusterSize && `cluster_size=${o.clusterSize}`,
    o.preallocation && `preallocation=${o.preallocation}`,
    o.lazyRefcounts !== undefined && `lazy_refcounts=${o.lazyRefcounts ? 'on' : 'off'}`,
    o.compat && `compat=${o.compat}`,
  ]
    .filter(Boolean)
    .join(',');
  await runOk(['qemu-img', 'create', '-q', '-f', o.format, ...(options ? ['-o', options] : []), path, String(o.sizeBytes)]);
}

export async function resizeImage(path: string, format: string, sizeBytes: number): Promise<void> {
  await img(['resize', '-q', '-f', format, path, String(sizeBytes)], path, format);
}

/** qemu-img check as JSON: exit 0 clean, 2 corrupt, 3 leaked clusters only. */
export async function checkReport(
  path: string,
  format: string,
  options: Pick<RunOptions, 'extraFds' | 'signal' | 'timeoutMs' | 'maxOutputBytes' | 'limits'> = {},
): Promise<{ ok: boolean; code: number; errors: number; leaks: number; report: string }> {
  const result = await run(['qemu-img', 'check', '-f', format, '--output=json', path], options);
  let parsed: { 'check-errors'?: number; corruptions?: number; leaks?: number } = {};
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    // no JSON: the message says why (a format without metadata, a locked file, not that format)
  }
  const errors = (parsed['check-errors'] ?? 0) + (parsed.corruptions ?? 0);
  const report = (result.stdout + result.stderr).trim();
  return { ok: result.code === 0 && errors === 0, code: result.code, errors, leaks: parsed.leaks ?? 0, report };
}

export async function checkImage(path: string, format: string): Promise<void> {
  const report = await checkReport(path, format);
  if (!report.ok) throw new Error(`qemu-img check of ${path} as ${format} found problems: ${report.report}`);
}

/** qemu-img info of `path` opened as `format`; `extraFds` lets `path` be /proc/self/fd/3. */
/**
 * For a file a user made: a qcow2 with a huge snapshot table keeps qemu-img info busy for seconds and
 * prints megabytes. No real image's description comes near these.
 */
export const UNTRUSTED_INFO: Pick<RunOptions, 'timeoutMs' | 'maxOutputBytes' | 'limits'> = {
  timeoutMs: 60_000,
  maxOutputBytes: 1024 * 1024,
  // qemu-img info of a real image needs well under 256 MiB of address space and a fraction of a second.
  limits: { addressSpaceBytes: 1024 ** 3, cpuSeconds: 30 },
};

export async function imageInfo(
  path: string,
  format: string,
  options: Pick<RunOptions, 'extraFds' | 'signal' | 'timeoutMs' | 'maxOutputBytes' | 'limits'> = {},
): Promise<QemuImgInfo> {
  const { stdout } = await img(['info', '-f', format, '--output=json', '-U', path], path, format, options);
  const info = JSON.parse(stdout) as QemuImgInfo;
  if (info.format !== format) throw new ImageFormatError(`image ${path} is recorded as ${format}, but qemu-img read it as ${info.format}`);
  return info;
}

/** A qcow2 overlay on `backing`; -F is mandatory since QEMU 6.1 and pins the parent's format. */
export async function createOverlay(backing: string, backingFormat: string, path: string): Promise<QemuImgInfo> {
  await runOk(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', backingFormat, '-b', backing, path]);
  return imageInfo(path, 'qcow2');
}
