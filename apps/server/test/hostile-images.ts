import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const img = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'pipe' });

/** A root-only file outside the import directory whose bytes must never reach an image. */
export interface Canary {
  path: string;
  bytes: Buffer;
  plantedMs: number;
  /** Content, mode, owner and access time, as they must still be at the end. */
  state(): { sha: string; mode: number; uid: number; gid: number; atimeMs: number };
}

export function plantCanary(dir: string): Canary {
  const path = join(dir, 'canary');
  const bytes = randomBytes(64 * 1024);
  writeFileSync(path, bytes, { mode: 0o600 });
  chmodSync(path, 0o600);
  return {
    path,
    bytes,
    plantedMs: statSync(path).mtimeMs,
    state() {
      const s = statSync(path);
      // O_NOATIME: looking at the canary must not look like someone read it.
      const fd = openSync(path, constants.O_RDONLY | constants.O_NOATIME);
      const content = Buffer.alloc(s.size);
      try {
        readSync(fd, content, 0, s.size, 0);
      } finally {
        closeSync(fd);
      }
      const sha = createHash('sha256').update(content).digest('hex');
      return { sha, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, atimeMs: s.atimeMs };
    },
  };
}

/** Makes the canary's next read visible: with relatime, an access time older than the mtime is updated on read. */
export function armAtime(canary: Canary): void {
  const s = statSync(canary.path);
  utimesSync(canary.path, new Date(s.mtimeMs - 86_400_000), new Date(s.mtimeMs));
}

/**
 * Every regular file under `dir` (not below `except`) whose bytes contain a slice of the canary.
 * Only files written since it was planted can hold it (this skips the large default guest).
 */
export function filesHolding(dir: string, canary: Canary, except: string): string[] {
  const needle = canary.bytes.subarray(4096, 4096 + 512);
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (p === except) continue;
      const s = lstatSync(p);
      if (s.isDirectory()) walk(p);
      else if (s.isFile() && s.mtimeMs >= canary.plantedMs && readFileSync(p).includes(needle)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

/** A plain image of `format` holding a known pattern, made by qemu-img with every format named. */
export function plainImage(path: string, format: string, options: string[] = []): void {
  img('create', '-q', '-f', format, ...options, path, '4M');
  execFileSync('qemu-io', ['-f', format, '-c', 'write -P 0x5a 512k 1M', path], { stdio: 'pipe' });
}

/** A VMDK text descriptor whose FLAT extent is any host file or device. */
export function vmdkDescriptor(path: string, extent: string, comment = true): void {
  const lines = [
    ...(comment ? ['# Disk DescriptorFile'] : []),
    'version=1',
    'CID=12345678',
    'parentCID=ffffffff',
    'createType="monolithicFlat"',
    '',
    `RW 128 FLAT "${extent}" 0`,
    '',
    'ddb.virtualHWVersion = "4"',
    '',
  ];
  writeFileSync(path, lines.join('\n'));
}

/** A qcow2 whose backing file is `backing`; without a format the header leaves qemu-img to probe it. */
export function qcow2Backed(path: string, backing: string, withFormat: boolean): void {
  img('create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', backing, path, '64K');
  if (withFormat) return;
  const data = readFileSync(path);
  const at = data.indexOf(Buffer.from('e2792aca', 'hex')); // the backing-format header extension
  if (at < 0) throw new Error('no backing format extension to remove');
  Buffer.from('0badf00d', 'hex').copy(data, at); // an unknown extension, which qemu-img skips
  writeFileSync(path, data);
}

/**
 * A qcow2 whose external data file is the canary. qemu-img create would truncate the data file
 * it names, so it names a decoy of the same length, and the name is then replaced in the header.
 */
export function qcow2DataFile(path: string, canary: Canary): void {
  const decoy = `${canary.path.slice(0, -1)}Z`;
  img('create', '-q', '-f', 'qcow2', '-o', `data_file=${decoy},data_file_raw=on`, path, '64K');
  const data = readFileSync(path);
  const at = data.indexOf(Buffer.from(decoy));
  if (at < 0 || !existsSync(decoy)) throw new Error('no data file name in the header');
  Buffer.from(canary.path).copy(data, at);
  writeFileSync(path, data);
}
