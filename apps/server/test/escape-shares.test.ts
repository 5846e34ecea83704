import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  existsSync,
  statSync,
  statfsSync,
  symlinkSync,
  writeFileSync,
  closeSync,
} from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Share, Vm } from '@strata/contract';
import { commandLine } from '@strata/host';
import { virtiofsdProcesses, waitFor } from '@strata/qemu';
import { startServer, type TestServer } from './harness.js';
import { apiClient, promptPattern } from './api-client.js';
import { ConsoleClient } from './console-client.js';
import { foreignDescriptors, identities, identityOf, plantCanary, removeTree, rootIdentity, startRace, walkTree } from './escape-tools.js';

let server: TestServer;
let root: string;
let canary: ReturnType<typeof plantCanary>;
let viewer: ConsoleClient | undefined;
beforeAll(async () => {
  server = await startServer();
  root = server.config.shareRoots[0]!;
  // Local users must be able to reach the share root, as on a real host: only then does "runs the setuid file" mean anything.
  chmodSync(server.dataDir, 0o711);
  canary = plantCanary(`${server.dataDir}/canary`);
});
afterAll(async () => {
  viewer?.close();
  // The guest's very long paths are beyond what rmSync can name.
  if (existsSync(`${root}/hostile`)) removeTree(`${root}/hostile`);
  await server.close();
});
const { api, waitForState } = apiClient(() => server);
const vmDir = (id: string) => `${server.dataDir}/vms/${id}`;

/** One start: refused (the check or the descriptor walk caught the swap), or booted to the prompt. */
async function tryBoot(vmId: string): Promise<{ booted: boolean; answer: string }> {
  const log = `${vmDir(vmId)}/console.log`;
  const before = existsSync(log) ? statSync(log).size : 0;
  const res = await api<{ code?: string; message?: string }>('POST', `/vms/${vmId}/start`);
  if (res.status !== 200) return { booted: false, answer: `${res.status} ${res.body.code}: ${res.body.message}` };
  viewer?.close();
  viewer = await ConsoleClient.open(server.url, vmId);
  await waitFor(
    () => (promptPattern.test(readFileSync(log).subarray(before).toString('latin1')) ? true : undefined),
    90_000,
    'the prompt',
    100,
  );
  return { booted: true, answer: '200' };
}

/** A share directory with a marker, and beside it a symlink to the canary's directory to swap it with. */
function racePair(name: string): [string, string] {
  mkdirSync(`${root}/${name}/victim`, { recursive: true });
  writeFileSync(`${root}/${name}/victim/inside.txt`, 'the share\n');
  symlinkSync(canary.dir, `${root}/${name}/evil`);
  return [`${root}/${name}/victim`, `${root}/${name}/evil`];
}

const share = async (name: string, path: string) => (await api<Share>('POST', '/shares', { name, path })).body;

describe('shares cannot be raced, and nothing a guest writes through them gives privileges on the host', () => {
  let vm: Vm;

  it('a rename-exchange race during starts and a live attach never hands the guest the canary', async () => {
    const pairs = [racePair('race9'), racePair('racev')];
    vm = (await api<Vm>('POST', '/vms', { name: 'racer' })).body;
    await api('POST', `/vms/${vm.id}/shares`, { shareId: (await share('race9', pairs[0]![0])).id, transport: '9p', tag: 'r9' });
    await api('POST', `/vms/${vm.id}/shares`, { shareId: (await share('racev', pairs[1]![0])).id, transport: 'virtiofs', tag: 'rv' });
    const listings: string[] = [];
    const answers: string[] = [];
    let swaps = 0;
    for (let attempt = 0; attempt < 20 && listings.length < 2; attempt++) {
      const race = startRace(`${server.dataDir}/stop-race-${attempt}`, `${vmDir(vm.id)}/`, 5, pairs);
      const { booted, answer } = await tryBoot(vm.id).finally(async () => (swaps += await race.stop()));
      answers.push(answer);
      if (!booted) continue;
      listings.push(await viewer!.run('ls /mnt/r9 /mnt/rv; echo escaped > /mnt/r9/w9; echo escaped > /mnt/rv/wv; sync'));
      if (listings.length < 2) {
        await api('POST', `/vms/${vm.id}/stop`);
        await waitForState(vm.id, 'stopped', 30_000);
      }
    }
    expect(swaps).toBeGreaterThan(0);
    expect(listings.length, `starts answered: ${answers.join('; ')}`).toBe(2);
    // A refused start is fine; it must be refused for the share, nothing else.
    for (const a of answers.filter((x) => x !== '200')) expect(a).toMatch(/share/);
    for (const l of listings) {
      expect(l).not.toContain('secret');
      expect(l.match(/inside\.txt/g)).toHaveLength(2);
    }
    canary.assertIntact();

    // Live attach goes through the same descriptor walk.
    const [victim, evil] = racePair('racel');
    const live = await share('racel', victim);
    const seen: string[] = [];
    for (let i = 0; i < 6 && seen.length < 2; i++) {
      const race = startRace(`${server.dataDir}/stop-live-${i}`, `vfs-l${i}.sock`, 5, [[victim, evil]]);
      const res = await api<Vm>('POST', `/vms/${vm.id}/shares`, { shareId: live.id, transport: 'virtiofs', tag: `l${i}` }).finally(() =>
        race.stop(),
      );
      if (res.status !== 200) continue;
      expect(res.body.shares.find((s) => s.tag === `l${i}`)?.pending).toBe(false);
      seen.push(
        await viewer!.run(
          `mkdir -p /mnt/l${i}; for t in 1 2 3 4 5 6 7 8 9 10; do mount -t virtiofs l${i} /mnt/l${i} 2>/dev/null && break; sleep 1; done; ls /mnt/l${i}; echo escaped > /mnt/l${i}/wl; sync`,
        ),
      );
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const l of seen) {
      expect(l).not.toContain('secret');
      expect(l).toContain('inside.txt');
    }
    canary.assertIntact();
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 30_000);
  });

  const NINEP = { p9: 'passthrough', n9: 'none', x9: 'mapped-xattr', f9: 'mapped-file' } as const;
  const VIRTIOFS = { vn: 'none', va: 'auto', vw: 'always' } as const;
  const tags = [...Object.keys(NINEP), ...Object.keys(VIRTIOFS)];

  it('a guest root with 9p in each security model and virtiofs in each cache mode gains nothing on the host', async () => {
    vm = (await api<Vm>('POST', '/vms', { name: 'hostile' })).body;
    for (const tag of tags) {
      mkdirSync(`${root}/hostile/${tag}`, { recursive: true });
      copyFileSync('/usr/bin/id', `${root}/hostile/${tag}/id-plain`);
      chmodSync(`${root}/hostile/${tag}/id-plain`, 0o755);
      symlinkSync(canary.dir, `${root}/hostile/${tag}/host-link`);
      const s = await share(tag, `${root}/hostile/${tag}`);
      const options =
        tag in NINEP ? { securityModel: NINEP[tag as keyof typeof NINEP] } : { cache: VIRTIOFS[tag as keyof typeof VIRTIOFS] };
      const res = await api('POST', `/vms/${vm.id}/shares`, { shareId: s.id, transport: tag in NINEP ? '9p' : 'virtiofs', tag, options });
      expect(res.status, tag).toBe(200);
    }
    expect((await tryBoot(vm.id)).booted).toBe(true);
    const { dev } = statSync(canary.file);
    const [major, minor] = [Math.floor(dev / 256) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00)];
    const outputs: string[] = [];
    for (const tag of tags) {
      outputs.push(
        await viewer!.run(
          [
            `cd /mnt/${tag}`,
            'cp id-plain suid-id; chmod 4755 suid-id; cp id-plain sgid-id; chmod 2755 sgid-id',
            `mknod blk b ${major} ${minor}; mknod chr c 1 3; mkfifo fifo`,
            `ln -s ${canary.file} out-link; cat out-link; echo pwned > out-link; cat host-link/secret; ls host-link/`,
            'ln id-plain hard-id; ln out-link hard-out; ln -s / root-link; ls root-link/ >/dev/null',
            `n=$(printf '%0200d' 0); i=0; while [ $i -lt 24 ]; do mkdir $n && cd $n || break; i=$((i+1)); done; echo deep > f; cat f`,
            `cd /; sync; echo done-${tag}`,
          ].join('; ') + ' 2>&1',
          60_000,
        ),
      );
    }
    for (const [i, out] of outputs.entries()) {
      expect(out).not.toContain(canary.content);
      expect(out).toContain(`done-${tags[i]}`);
      expect(out).toContain('deep');
    }

    // While it runs: QEMU and the daemons hold only shares, images and the VM's own files.
    const allowed = identities([root, `${server.dataDir}/images`, `${server.dataDir}/boot`, vmDir(vm.id)]);
    const qemu = (await api<Vm>('GET', `/vms/${vm.id}`)).body.pid!;
    expect(foreignDescriptors(qemu, allowed)).toEqual([]);
    for (const tag of Object.keys(VIRTIOFS)) {
      const daemons = virtiofsdProcesses(vmDir(vm.id), tag);
      expect(daemons.length).toBeGreaterThan(0);
      for (const pid of daemons) expect(foreignDescriptors(pid, allowed)).toEqual([]);
      // The daemon serving the guest is rooted in the share; its parents in bubblewrap's empty tmpfs (or, bwrap itself, the host's /).
      expect(daemons.some((pid) => rootIdentity(pid) === identityOf(`${root}/hostile/${tag}`))).toBe(true);
      for (const pid of daemons) {
        const where = rootIdentity(pid);
        const bwrap = commandLine(pid)?.[0] === '/usr/bin/bwrap';
        expect(
          where === identityOf(`${root}/hostile/${tag}`) ||
            statfsSync(`/proc/${pid}/root`).type === 0x01021994 ||
            (bwrap && where === identityOf('/')),
          `daemon ${pid} of ${tag}`,
        ).toBe(true);
      }
    }
    canary.assertIntact();

    // Setuid/setgid files the guest made: run as nobody, none gives uid or gid 0.
    const found = walkTree(`${root}/hostile`);
    const privileged = found.filter((f) => f.stat.isFile() && (f.stat.mode & 0o6000) !== 0);
    expect(privileged.map((f) => f.name)).toEqual(expect.arrayContaining(['suid-id', 'sgid-id']));
    // virtiofsd's seccomp filter refuses set-id modes outright: its shares hold none, not even inert
    // ones, though the copies themselves were made.
    for (const tag of Object.keys(VIRTIOFS)) {
      expect(
        privileged.filter((f) => f.path.startsWith(`${root}/hostile/${tag}/`)).map((f) => f.path),
        tag,
      ).toEqual([]);
      expect(outputs[tags.indexOf(tag)], tag).toMatch(
        /chmod: suid-id: Operation not permitted[\s\S]*chmod: sgid-id: Operation not permitted/,
      );
      expect(statSync(`${root}/hostile/${tag}/suid-id`).mode & 0o7777, tag).toBe(0o755);
    }
    let ran = 0;
    for (const f of privileged) {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', f.path, f.stat.mode & 0o4000 ? '-u' : '-g'], {
        encoding: 'utf8',
      });
      expect(r.stdout.trim(), `${f.path} mode ${f.stat.mode.toString(8)} uid ${f.stat.uid}`).not.toBe('0');
      if (r.status === 0) {
        ran++;
        expect(r.stdout.trim()).toBe('65534');
      }
    }
    // virtiofs and 9p passthrough/none do leave root-owned setuid programs there: they ran, as nobody.
    expect(ran).toBeGreaterThan(0);
    // Device nodes open to nothing on the host: the share root is nodev. QEMU 7.2 and virtiofsd
    // (modcaps=-mknod) refused the guest's mknod here, so one made on the host stands in for a
    // node that got through, besides any the guest did make.
    expect(spawnSync('mknod', [`${root}/hostile/host-made`, 'c', '1', '3']).status).toBe(0);
    const devices = walkTree(`${root}/hostile`).filter((f) => f.stat.isBlockDevice() || f.stat.isCharacterDevice());
    expect(devices.length).toBeGreaterThan(0);
    for (const d of devices) expect(() => closeSync(openSync(d.path, 'r')), d.path).toThrow(/EACCES|EPERM/);
    expect(found.filter((f) => f.stat.isFIFO()).length).toBeGreaterThan(0);
    canary.assertIntact();
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 30_000);
    // Once the guest is gone its set-id bits are too, for whoever reaches the files some other way
    // than through the nosuid bind (a shell that was inside before it, a host that rebooted).
    const left = walkTree(`${root}/hostile`).filter((f) => f.stat.isFile() && (f.stat.mode & 0o6000) !== 0);
    expect(left.map((f) => `${f.path} ${f.stat.mode.toString(8)}`)).toEqual([]);
    expect(walkTree(`${root}/hostile`).filter((f) => f.name === 'suid-id').length).toBeGreaterThan(0);
  });
});
