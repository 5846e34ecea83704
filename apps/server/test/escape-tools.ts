import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { expect } from 'vitest';

/** A root-only directory and file outside every share; what an escape would read, change or chown. */
export function plantCanary(dir: string) {
  mkdirSync(dir, { mode: 0o700 });
  const file = `${dir}/secret`;
  const content = `canary-${randomBytes(12).toString('hex')}`;
  writeFileSync(file, content, { mode: 0o600 });
  const identity = (s: Stats) => ({
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    mtimeMs: s.mtimeMs,
    ctimeMs: s.ctimeMs,
    ino: s.ino,
  });
  let seen = { dir: identity(statSync(dir)), file: identity(statSync(file)), atimeMs: statSync(file).atimeMs };
  return {
    dir,
    file,
    content,
    /** Unread (atime, checked before our own read), unchanged, unchowned, and alone in its directory. */
    assertIntact() {
      expect(statSync(file).atimeMs, 'the canary was read').toBe(seen.atimeMs);
      expect(identity(statSync(file))).toEqual(seen.file);
      expect(identity(statSync(dir))).toEqual(seen.dir);
      expect(readdirSync(dir)).toEqual(['secret']);
      expect(readFileSync(file, 'utf8')).toBe(content);
      seen = { ...seen, atimeMs: statSync(file).atimeMs };
    },
  };
}

/**
 * The rename-exchange race: swaps each directory with its symlink to the canary over and over
 * (renameat2 RENAME_EXCHANGE through libc), and once a process naming `trigger` appears (the
 * daemon or QEMU of this start) keeps the symlinks in place for `holdS`, while that process opens
 * the share. Bounded in time and count; every pair ends as it began.
 */
const RACER = `
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
stop, trigger, hold = sys.argv[1], sys.argv[2].encode(), float(sys.argv[3])
pairs = [(sys.argv[i].encode(), sys.argv[i + 1].encode()) for i in range(4, len(sys.argv), 2)]
me = str(os.getpid())
def swap():
    for a, b in pairs:
        if libc.renameat2(-100, a, -100, b, 2) != 0:
            raise OSError(ctypes.get_errno(), 'renameat2')
def spawned():
    for p in os.listdir('/proc'):
        if p.isdigit() and p != me:
            try:
                if trigger in open('/proc/%s/cmdline' % p, 'rb').read():
                    return True
            except OSError:
                pass
    return False
deadline, swaps = time.monotonic() + 60, 0
while time.monotonic() < deadline and swaps < 200000 and not os.path.exists(stop):
    swap(); swaps += 1
    time.sleep(0.0005)
    swap(); swaps += 1
    if spawned():
        swap(); swaps += 1
        end = time.monotonic() + hold
        while time.monotonic() < end and not os.path.exists(stop):
            time.sleep(0.01)
        swap(); swaps += 1
        break
print(swaps)
`;

export function startRace(stopFile: string, trigger: string, holdS: number, pairs: [string, string][]) {
  const child = spawn('/usr/bin/python3', ['-c', RACER, stopFile, trigger, String(holdS), ...pairs.flat()], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return {
    /** Ends the loop and returns how many exchanges it made. */
    async stop(): Promise<number> {
      writeFileSync(stopFile, '');
      const code = await exited;
      if (code !== 0) throw new Error(`the racer failed: ${out}`);
      return Number(out.trim());
    },
  };
}

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;

export interface Found {
  path: string;
  name: string;
  stat: Stats;
}

/**
 * Every entry under `dir`, never following a symlink. Descends by descriptor, so paths longer than
 * PATH_MAX (a guest can make them) are walked too; `path` is only for messages.
 */
export function walkTree(dir: string): Found[] {
  const found: Found[] = [];
  const visit = (fd: number, path: string) => {
    for (const name of readdirSync(`/proc/self/fd/${fd}`)) {
      const stat = lstatSync(`/proc/self/fd/${fd}/${name}`);
      found.push({ path: `${path}/${name}`, name, stat });
      if (!stat.isDirectory()) continue;
      const child = openSync(`/proc/self/fd/${fd}/${name}`, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      try {
        visit(child, `${path}/${name}`);
      } finally {
        closeSync(child);
      }
    }
  };
  const top = openSync(dir, O_RDONLY | O_DIRECTORY);
  try {
    visit(top, dir);
  } finally {
    closeSync(top);
  }
  return found;
}

/** Removes a tree by descriptor, for trees deeper than PATH_MAX that rmSync cannot name. */
export function removeTree(dir: string): void {
  const clear = (fd: number) => {
    for (const name of readdirSync(`/proc/self/fd/${fd}`)) {
      const at = `/proc/self/fd/${fd}/${name}`;
      if (!lstatSync(at).isDirectory()) {
        unlinkSync(at);
        continue;
      }
      const child = openSync(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      try {
        clear(child);
      } finally {
        closeSync(child);
      }
      rmdirSync(at);
    }
  };
  const top = openSync(dir, O_RDONLY | O_DIRECTORY);
  try {
    clear(top);
  } finally {
    closeSync(top);
  }
}

const key = (s: Stats) => `${s.dev}:${s.ino}`;

/** Identities of every file and directory in these trees (and the trees themselves). */
export const identities = (dirs: string[]): Set<string> =>
  new Set(dirs.flatMap((d) => [key(statSync(d)), ...walkTree(d).map((f) => key(f.stat))]));

const PROC_MAGIC = 0x9fa0;

/** Descriptors that name no file: sockets, pipes, event fds, the guest's memory. */
const ANONYMOUS = /^(socket|pipe|anon_inode):|^\/memfd:|^\/dev\/(null|urandom|kvm|net\/tun|ptmx|pts\/\d+)$/;

/** The files a process holds open that are none of `allowed` (compared by identity, not by name). */
export function foreignDescriptors(pid: number, allowed: Set<string>): string[] {
  const foreign: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    let stat: Stats;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      stat = statSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    if (ANONYMOUS.test(target) || allowed.has(key(stat))) continue;
    // virtiofsd's /proc/self/fd and task directories: its own proc mount, in its own pid namespace.
    if (statfsSync(`/proc/${pid}/fd/${fd}`).type === PROC_MAGIC) continue;
    // virtiofsd's pidfile lives in its sandbox's own tmpfs, not on the host.
    if (/^\/var\/run\/virtiofsd\/[^/]+\.pid$/.test(target) && !existsSync(target)) continue;
    foreign.push(`${pid} fd ${fd} -> ${target}`);
  }
  return foreign;
}

export const rootIdentity = (pid: number): string => key(statSync(`/proc/${pid}/root`));
export const identityOf = (path: string): string => key(statSync(path));
