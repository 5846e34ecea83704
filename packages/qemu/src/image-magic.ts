import { readSync } from 'node:fs';

/** Formats an import can arrive in, as Strata itself reads them from the file's first bytes. */
export type SniffedFormat = 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vhdx' | 'vpc';

export class ImportFormatError extends Error {}

const HEAD = 512;
/**
 * Strata's snapshots are layers, not qcow2's internal ones; a file with thousands of them makes
 * qemu-img info work for seconds and print megabytes before anything can be judged.
 */
export const MAX_QCOW2_SNAPSHOTS = 1000;
const VDI_SIGNATURE = 0xbeda107f;

const startsWith = (buf: Buffer, text: string, at = 0): boolean =>
  buf.length >= at + text.length && buf.toString('latin1', at, at + text.length) === text;

/**
 * The format of an image from its first and last sector. Strata decides this, not qemu-img's
 * probe: anything unknown is raw, which refers to nothing. Formats that can only name other
 * files (a VMDK text descriptor, VMDK3, qcow version 1) are refused outright.
 */
export function sniffFormat(head: Buffer, tail: Buffer): SniffedFormat {
  if (startsWith(head, 'QFI\xfb')) {
    const version = head.length >= 8 ? head.readUInt32BE(4) : 0;
    if (version === 2 || version === 3) {
      const snapshots = head.length >= 64 ? head.readUInt32BE(60) : 0;
      if (snapshots > MAX_QCOW2_SNAPSHOTS)
        throw new ImportFormatError(
          `a qcow2 image with ${snapshots} internal snapshots cannot be imported (at most ${MAX_QCOW2_SNAPSHOTS}); delete them with qemu-img snapshot -d first`,
        );
      // Autoclear bit 0: qemu loads every persistent dirty bitmap on open, each up to 64 MiB of memory from a few bytes of file.
      if (version === 3 && head.length >= 96 && (head.readBigUInt64BE(88) & 1n) === 1n)
        throw new ImportFormatError(
          'a qcow2 image with persistent dirty bitmaps cannot be imported; remove them with qemu-img bitmap --remove first',
        );
      return 'qcow2';
    }
    throw new ImportFormatError(`a qcow version ${version} image cannot be imported (only qcow2 versions 2 and 3)`);
  }
  if (startsWith(head, 'KDMV')) return 'vmdk';
  if (startsWith(head, 'COWD'))
    throw new ImportFormatError('a VMDK3 (COWD) image cannot be imported; convert it to a monolithic sparse VMDK first');
  if (/^\s*#\s*Disk DescriptorFile/.test(head.toString('latin1', 0, Math.min(head.length, 64)))) {
    throw new ImportFormatError(
      'a VMDK descriptor is a text file naming other files (its extents); import the monolithic sparse VMDK instead',
    );
  }
  if (head.length >= 68 && head.readUInt32LE(64) === VDI_SIGNATURE) return 'vdi';
  if (startsWith(head, 'vhdxfile')) return 'vhdx';
  // A dynamic VHD has its footer copied at offset 0; a fixed one has it only in the last sector.
  if (startsWith(head, 'conectix') || startsWith(tail, 'conectix')) return 'vpc';
  return 'raw';
}

/** Reads the first and last sector through a held descriptor and names the format. */
export function sniffFormatFd(fd: number, size: number): SniffedFormat {
  const head = Buffer.alloc(Math.min(HEAD, size));
  readSync(fd, head, 0, head.length, 0);
  const tailLength = Math.min(HEAD, size);
  const tail = Buffer.alloc(tailLength);
  readSync(fd, tail, 0, tailLength, size - tailLength);
  return sniffFormat(head, tail);
}
