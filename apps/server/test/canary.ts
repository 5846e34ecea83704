import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';

/** What a canary must keep: bytes, mode, owner, and the times a write or chown would move. */
const record = (path: string) => {
  const st = lstatSync(path);
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    symlink: st.isSymbolicLink(),
    content: st.isFile() ? readFileSync(path).toString('hex') : readdirSync(path).sort().join(','),
  };
};

/** A root-owned 0600 file of random content and a root-owned directory, outside anything a guest is given. */
export function plantCanaries(base: string) {
  const secret = `canary-${randomBytes(16).toString('hex')}`;
  const dir = `${base}/canary-dir`;
  const file = `${base}/canary-file`;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(`${dir}/inner`, `${secret}\n`, { mode: 0o600 });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  const paths = [base, dir, `${dir}/inner`, file];
  const before = paths.map(record);
  return {
    secret,
    dir,
    file,
    /** Every canary as it is now, to compare with how it was planted. */
    changes: () =>
      paths.flatMap((p, i) =>
        JSON.stringify(record(p)) === JSON.stringify(before[i])
          ? []
          : [`${p}: ${JSON.stringify(before[i])} -> ${JSON.stringify(record(p))}`],
      ),
    /** Files under `roots` holding the secret's bytes (grep -r never follows a symlink; devices skipped). */
    foundIn: (roots: string[]): string[] => {
      try {
        return execFileSync('grep', ['-rlF', '-D', 'skip', secret, ...roots.filter((r) => existsSync(r))], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean);
      } catch (err) {
        if ((err as { status?: number }).status === 1) return [];
        throw err;
      }
    },
  };
}

/** Device nodes, and setuid/setgid files owned by root, anywhere under `root` (find -P walks deep trees and follows nothing). */
export function privilegedFiles(root: string): string[] {
  const out = execFileSync(
    'find',
    [
      '-P',
      root,
      '(',
      '-type',
      'b',
      '-o',
      '-type',
      'c',
      '-o',
      '(',
      '-perm',
      '-4000',
      '-uid',
      '0',
      ')',
      '-o',
      '(',
      '-perm',
      '-2000',
      '-gid',
      '0',
      ')',
      ')',
      '-print',
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

const sameObject = (a: string, b: string) => {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
};

/**
 * Every descriptor of `pids` that is not a pipe, socket or anonymous inode and lies outside
 * `allowed`. A descriptor's path reads as the sandbox sees it, so one that is not allowed by name
 * counts only when it is the very host object of that name (a guest's hostfs mount of the
 * sandbox's own tmpfs root reads as '/', but is not the host's root).
 */
export function foreignDescriptors(pids: number[], allowed: string[]): string[] {
  const bad: string[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/ \(deleted\)$/, '');
      } catch {
        continue;
      }
      if (/^(pipe|socket|anon_inode):/.test(target) || target === '/dev/null') continue;
      if (allowed.some((a) => target === a || target.startsWith(`${a}/`))) continue;
      if (sameObject(`/proc/${pid}/fd/${fd}`, target)) bad.push(`${pid}/fd/${fd} -> ${target}`);
    }
  }
  return bad;
}
