/** One entry of a newc ("070701") cpio archive, the format the kernel unpacks as an initramfs. */
export interface CpioEntry {
  name: string;
  mode: number;
  data?: Buffer;
  linkTarget?: string;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export const cpioDir = (name: string): CpioEntry => ({ name, mode: S_IFDIR | 0o755 });
export const cpioFile = (name: string, data: Buffer, perm = 0o644): CpioEntry => ({ name, mode: S_IFREG | perm, data });
export const cpioSymlink = (name: string, target: string): CpioEntry => ({ name, mode: S_IFLNK | 0o777, linkTarget: target });

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

function header(ino: number, mode: number, size: number, name: string): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameBytes.length, 0];
  const head = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  const unpadded = Buffer.concat([head, nameBytes]);
  return Buffer.concat([unpadded, pad4(unpadded.length)]);
}

export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((entry, index) => {
    const body = entry.linkTarget !== undefined ? Buffer.from(entry.linkTarget) : (entry.data ?? Buffer.alloc(0));
    parts.push(header(index + 1, entry.mode, body.length, entry.name), body, pad4(body.length));
  });
  parts.push(header(0, 0, 0, 'TRAILER!!!'));
  return Buffer.concat(parts);
}
