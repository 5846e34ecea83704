import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentFunctions } from '../src/agent-script.js';

const scratch = mkdtempSync(join(tmpdir(), 'strata-agent-script-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The guest's agent run by the same busybox the image carries, on the host: every command that
 * would act (mount, umount, mkdir, fio) is a shell function that only says what it was asked, so
 * the test sees exactly what a request would have run, and nothing is mounted or written here.
 */
function agent(requests: string[]): string[] {
  const stubs = `
scratch='${scratch}'
exec 3>&1
mount() { echo "RUN mount $*"; }
umount() { echo "RUN umount $*"; }
mkdir() { :; }
is_mounted() { return 0; }
fio() { echo "RUN fio $*" >&3; printf '{\\n  "jobs": [1,\\n 2]\\n}\\n' > "$scratch/fio.json"; }
`;
  const calls = requests.map((r) => `handle '${r.replace(/'/g, `'\\''`)}'`).join('\n');
  const out = execFileSync('/bin/busybox', ['sh', '-c', `${agentFunctions}\n${stubs}\n${calls}\n`], { encoding: 'latin1' });
  return out.split('\n').filter(Boolean);
}

describe("the guest's agent checks every word before it acts", () => {
  it('answers ping and refuses malformed lines, never acting on them', () => {
    expect(agent(['1 ping', '2 ping extra', 'x ping', '1234567890 ping', '', '3 reboot', '4 mount 9p', '5 fio /dev/vdb read'])).toEqual([
      'ok 1',
      'err 2 malformed request',
      'err 0 malformed request',
      'err 0 malformed request',
      'err 0 malformed request',
      'err 3 malformed request',
      'err 4 malformed request',
      'err 5 malformed request',
    ]);
  });

  it('mounts each transport at /bench/<tag> with only the options given', () => {
    expect(
      agent(['1 mount 9p share1 msize=1048576,cache=none', '2 mount 9p share1 -', '3 mount virtiofs fast -', '4 mount hostfs h1 ro']),
    ).toEqual([
      'RUN mount -t 9p -o trans=virtio,msize=1048576,cache=none share1 /bench/share1',
      'ok 1',
      'RUN mount -t 9p -o trans=virtio share1 /bench/share1',
      'ok 2',
      'RUN mount -t virtiofs fast /bench/fast',
      'ok 3',
      'RUN mount -t hostfs -o h1,ro none /bench/h1',
      'ok 4',
    ]);
  });

  it.each([
    ['5 mount nfs t -', 'transport'],
    ['5 mount 9p ../etc -', 'tag'],
    ['5 mount 9p -oremount -', 'tag'],
    ['5 mount 9p t$(reboot) -', 'tag'],
    ['5 mount 9p t msize=1;reboot', 'options'],
    ['5 mount 9p t *', 'options'],
    [`5 mount 9p ${'t'.repeat(32)} -`, 'tag'],
  ])('refuses %s as a malformed %s', (request, what) => {
    expect(agent([request])).toEqual([`err 5 malformed ${what}`]);
  });

  it("runs fio with exactly the request's words and folds its JSON onto one line", () => {
    expect(agent(['7 fio /bench/share1/fio.dat randread 4096 64 1 30'])).toEqual([
      'RUN fio --name=strata --filename=/bench/share1/fio.dat --rw=randread --bs=4096 --size=64M --direct=1 --ioengine=psync ' +
        `--runtime=30 --output-format=json --output=${scratch}/fio.json`,
      'ok 7 {  "jobs": [1, 2]}',
    ]);
  });

  it("flushes writes at the end only without O_DIRECT, where they would stop in the guest's page cache", () => {
    const run = (words: string) => agent([`7 fio /bench/h1/fio.dat ${words}`])[0]!;
    expect(run('write 1048576 8 0 2')).toBe(
      'RUN fio --name=strata --filename=/bench/h1/fio.dat --rw=write --bs=1048576 --size=8M --direct=0 --ioengine=psync ' +
        `--end_fsync=1 --runtime=2 --output-format=json --output=${scratch}/fio.json`,
    );
    expect(run('randwrite 4096 8 0 2')).toContain(' --end_fsync=1 ');
    expect(run('write 4096 8 1 2')).not.toContain('fsync');
    expect(run('read 4096 8 0 2')).not.toContain('fsync');
    expect(run('randread 4096 8 0 2')).not.toContain('fsync');
  });

  it.each([
    ['/bench/t/../../etc/passwd read 4096 4 1 5', 'path'],
    ['/bench/t/.hidden read 4096 4 1 5', 'path'],
    ['/bench/t/a/b read 4096 4 1 5', 'path'],
    ['/etc/passwd read 4096 4 1 5', 'path'],
    ['/dev/../etc/passwd read 4096 4 1 5', 'path'],
    ['/bench/t/f trim 4096 4 1 5', 'rw'],
    ['/bench/t/f read 0 4 1 5', 'block size'],
    ['/bench/t/f read 4k 4 1 5', 'block size'],
    ['/bench/t/f read 4096 -4 1 5', 'size'],
    ['/bench/t/f read 4096 4 2 5', 'direct'],
    ['/bench/t/f read 4096 4 1 99999', 'runtime'],
  ])('refuses fio %s as a malformed %s', (words, what) => {
    expect(agent([`8 fio ${words}`])).toEqual([`err 8 malformed ${what}`]);
  });

  it('runs fio on a device path only when it is a block device', () => {
    expect(agent(['9 fio /dev/null read 4096 4 1 5'])).toEqual(['err 9 /dev/null is no block device']);
  });

  it('finds no device for a size that is no whole number of sectors, and refuses a size that is no number', () => {
    expect(agent(['10 device 1000', '11 device 12a', '12 device 0'])).toEqual([
      'err 10 no block device of that size',
      'err 11 malformed size',
      'err 12 malformed size',
    ]);
  });
});
