import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { noSetIdFilter } from '../../src/seccomp.js';

/** Each attempt's errno name, or 'ok'; then the modes of what it left behind. */
const PROBE = `
import ctypes, errno, json, os, stat, sys
libc = ctypes.CDLL(None, use_errno=True)
d = sys.argv[1]
res = {}
def attempt(name, fn):
    try:
        fn(); res[name] = 'ok'
    except OSError as e:
        res[name] = errno.errorcode[e.errno]
def raw(nr, *args):
    r = libc.syscall(ctypes.c_long(nr), *args)
    if r < 0:
        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
    return r
at = lambda n: os.path.join(d, n)
open(at('f'), 'w').close()
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
attempt('chmod 4755', lambda: os.chmod(at('f'), 0o4755))
attempt('chmod 2755', lambda: os.chmod(at('f'), 0o2755))
attempt('chmod 755', lambda: os.chmod(at('f'), 0o755))
attempt('open read', lambda: os.close(os.open(at('f'), os.O_RDONLY)))
fd = os.open(at('f'), os.O_RDONLY)
attempt('fchmod 4755', lambda: os.fchmod(fd, 0o4755))
attempt('fchmodat 6755', lambda: os.chmod('f', 0o6755, dir_fd=dfd))
attempt('fchmodat2 4755', lambda: raw(452, dfd, b'f', 0o4755, 0))
attempt('fchmodat2 644', lambda: raw(452, dfd, b'f', 0o644, 0))
attempt('openat O_CREAT 4755', lambda: os.close(os.open(at('suid'), os.O_CREAT | os.O_WRONLY, 0o4755)))
attempt('openat O_CREAT 644', lambda: os.close(os.open(at('plain'), os.O_CREAT | os.O_WRONLY, 0o644)))
attempt('open O_CREAT 2755', lambda: os.close(raw(2, at('sgid').encode(), os.O_CREAT | os.O_WRONLY, 0o2755)))
attempt('creat 4755', lambda: os.close(raw(85, at('creat').encode(), 0o4755)))
attempt('O_TMPFILE 4755', lambda: os.close(os.open(d, os.O_TMPFILE | os.O_WRONLY, 0o4755)))
attempt('mkfifo', lambda: os.mkfifo(at('fifo')))
attempt('mknod chr', lambda: os.mknod(at('null'), stat.S_IFCHR | 0o600, os.makedev(1, 3)))
attempt('mknod 4755', lambda: os.mknod(at('mknod'), stat.S_IFREG | 0o4755))
attempt('openat2', lambda: raw(437, dfd, b'f', ctypes.c_void_p(0), 0))
print(json.dumps({'results': res, 'modes': {n: os.lstat(at(n)).st_mode for n in sorted(os.listdir(d))}}))
`;

interface Probe {
  results: Record<string, string>;
  modes: Record<string, number>;
}

describe('the set-id seccomp program under bubblewrap', () => {
  const work = mkdtempSync(`${tmpdir()}/seccomp-`);
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  writeFileSync(`${work}/filter.bpf`, noSetIdFilter());

  function probe(name: string, filtered: boolean): Probe {
    const dir = `${work}/${name}`;
    const fd = openSync(`${work}/filter.bpf`, 'r');
    try {
      const seccomp = filtered ? ['--seccomp', '3'] : [];
      const r = spawnSync(
        '/usr/bin/bwrap',
        ['--dev-bind', '/', '/', ...seccomp, '--', '/usr/bin/python3', '-c', `import os; os.mkdir(${JSON.stringify(dir)})\n${PROBE}`, dir],
        { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Probe;
    } finally {
      closeSync(fd);
    }
  }

  it("unfiltered, every attempt succeeds here (so the refusals below are the filter's)", () => {
    const { results, modes } = probe('open', false);
    expect(Object.entries(results).filter(([k, v]) => v !== 'ok' && k !== 'openat2')).toEqual([]);
    expect(modes.suid! & 0o4000).toBe(0o4000);
    expect(modes.null! & 0o170000).toBe(0o020000);
  });

  it('filtered, set-id bits and device nodes are refused with EPERM, openat2 with ENOSYS, and the rest works', () => {
    const { results, modes } = probe('closed', true);
    expect(results).toEqual({
      'chmod 4755': 'EPERM',
      'chmod 2755': 'EPERM',
      'chmod 755': 'ok',
      'open read': 'ok',
      'fchmod 4755': 'EPERM',
      'fchmodat 6755': 'EPERM',
      'fchmodat2 4755': 'EPERM',
      'fchmodat2 644': 'ok',
      'openat O_CREAT 4755': 'EPERM',
      'openat O_CREAT 644': 'ok',
      'open O_CREAT 2755': 'EPERM',
      'creat 4755': 'EPERM',
      'O_TMPFILE 4755': 'EPERM',
      mkfifo: 'ok',
      'mknod chr': 'EPERM',
      'mknod 4755': 'EPERM',
      openat2: 'ENOSYS',
    });
    expect(Object.keys(modes)).toEqual(['f', 'fifo', 'plain']);
    expect(Object.values(modes).filter((m) => (m & 0o6000) !== 0)).toEqual([]);
  });
});
