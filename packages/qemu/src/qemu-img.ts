import { run, runOk } from '@strata/host';

export interface QemuImgInfo {
  filename: string;
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
}

/** `qemu-img convert -p` prints "(12.34/100%)" with carriage returns; the last one counts. */
export function parseConvertProgress(chunk: string): number | null {
  const all = [...chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  const last = all.at(-1);
  return last ? Number(last[1]) / 100 : null;
}

/**
 * Writes what the guest sees through `source`'s chain into a new qcow2 `target`: standalone, or
 * as an overlay on `backing`. Not `convert -B`: that copies only what the top layer allocates and
 * silently drops the layers between it and the new backing. A safe rebase of a copy of the top
 * pulls exactly those layers in, and leaves every existing file untouched.
 */
export async function convertImage(source: string, target: string, options: {
  backing?: { path: string; format: string };
  format?: string;
  onProgress(p: number): void;
  signal: AbortSignal;
}): Promise<void> {
  const progress = {
    signal: options.signal,
    onStdout: (chunk: string) => {
      const p = parseConvertProgress(chunk);
      if (p !== null) options.onProgress(p);
    },
  };
  if (!options.backing) {
    await runOk(['qemu-img', 'convert', '-p', '-O', options.format ?? 'qcow2', source, target], progress);
    return;
  }
  await runOk(['cp', '--sparse=always', source, target], { signal: options.signal });
  await runOk(['qemu-img', 'rebase', '-p', '-f', 'qcow2', '-F', options.backing.format, '-b', options.backing.path, target], progress);
}

/** qemu-img compare: 0 identical, 1 different, anything else an error. */
export async function sameContent(a: string, b: string): Promise<boolean> {
  const result = await run(['qemu-img', 'compare', '-q', a, b]);
  if (result.code === 0) return true;
  if (result.code === 1) return false;
  throw new Error(`qemu-img compare failed: ${result.stderr.trim()}`);
}

export async function createBlank(path: string, o: { format: string; sizeBytes: number; clusterSize?: number; preallocation?: string; lazyRefcounts?: boolean; compat?: string }): Promise<void> {
  const options = [
    o.clusterSize && `cluster_size=${o.clusterSize}`,
    o.preallocation && `preallocation=${o.preallocation}`,
    o.lazyRefcounts !== undefined && `lazy_refcounts=${o.lazyRefcounts ? 'on' : 'off'}`,
    o.compat && `compat=${o.compat}`,
  ].filter(Boolean).join(',');
  await runOk(['qemu-img', 'create', '-q', '-f', o.format, ...(options ? ['-o', options] : []), path, String(o.sizeBytes)]);
}

export async function resizeImage(path: string, format: string, sizeBytes: number): Promise<void> {
  await runOk(['qemu-img', 'resize', '-q', '-f', format, path, String(sizeBytes)]);
}

/** qemu-img check as JSON: exit 0 clean, 2 corrupt, 3 leaked clusters only. */
export async function checkReport(path: string): Promise<{ ok: boolean; errors: number; leaks: number; report: string }> {
  const result = await run(['qemu-img', 'check', '--output=json', path]);
  let parsed: { 'check-errors'?: number; corruptions?: number; leaks?: number } = {};
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    // no JSON: the message says why (a format without metadata, a locked file)
  }
  const errors = (parsed['check-errors'] ?? 0) + (parsed.corruptions ?? 0);
  const report = (result.stdout + result.stderr).trim();
  return { ok: result.code === 0 && errors === 0, errors, leaks: parsed.leaks ?? 0, report };
}

export async function checkImage(path: string): Promise<void> {
  const report = await checkReport(path);
  if (!report.ok) throw new Error(`qemu-img check found problems in ${path}: ${report.report}`);
}

export async function imageInfo(path: string): Promise<QemuImgInfo> {
  const { stdout } = await runOk(['qemu-img', 'info', '--output=json', '-U', path]);
  return JSON.parse(stdout) as QemuImgInfo;
}

/** A qcow2 overlay on `backing`; -F is mandatory since QEMU 6.1 and pins the parent's format. */
export async function createOverlay(backing: string, backingFormat: string, path: string): Promise<QemuImgInfo> {
  await runOk(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', backingFormat, '-b', backing, path]);
  return imageInfo(path);
}
