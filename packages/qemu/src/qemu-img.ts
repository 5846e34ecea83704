import { runOk } from '@strata/host';

export interface QemuImgInfo {
  filename: string;
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
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
