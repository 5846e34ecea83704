import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, Vm } from '@strata/contract';
import { startServer, type TestServer } from './harness.js';
import { apiClient } from './api-client.js';
import { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';
import { pidsMentioning } from '../../../e2e/processes.mjs';

let server: TestServer;
let viewer: ConsoleClient | undefined;
let decoy: ChildProcess | undefined;
let work: string;
const listeners: Server[] = [];
beforeAll(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'strata-decoy-'));
  chmodSync(work, 0o755);
});
afterAll(async () => {
  viewer?.close();
  if (decoy?.pid && decoy.exitCode === null) process.kill(-decoy.pid, 'SIGKILL');
  for (const l of listeners) l.close();
  await server.close();
  rmSync(work, { recursive: true, force: true });
});
const { api, waitForState } = apiClient(() => server);

const LOCAL_UID = 1000;
const status = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
};
/** The real kernel, seen from the test: the UML user's process that is pid 2 of its sandbox. */
const kernelOf = (vm: Vm, uid: number) =>
  pidsMentioning(`umid=strata-${vm.id}`).filter((p) => {
    const s = status(p);
    return new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(s) && /^NSpid:\s+\d+\s+2$/m.test(s);
  });
const argvOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

describe('a UML VM is the process recorded at its launch, and its sandbox has no host network or /proc', () => {
  let vm: Vm;
  const marker = () => `${work}/out/marker`;

  it("keeps managing the real VM when a local user makes a look-alike kernel with a lower pid, and runs nothing in that user's namespace", async () => {
    vm = (await api<Vm>('POST', '/vms', { name: 'ident', hypervisor: 'uml', memoryMiB: 96 })).body;
    mkdirSync(`${work}/out`);
    chmodSync(`${work}/out`, 0o777);
    const fake = `${work}/fake-mconsole`;
    writeFileSync(fake, `#!/bin/sh\necho ran-as-$(id -u) > ${marker()}\necho "OK /fake/from-the-decoy"\n`, { mode: 0o755 });
    // Started before the VM (so its pid is lower) with harmless arguments, in a user+mount
    // namespace of its own where uml_mconsole is the local user's script; once the VM runs, it
    // execs (same pid) into arguments that read like the VM's kernel.
    const script =
      'mount --bind "$0" /usr/bin/uml_mconsole && read -r _ && exec -a /usr/bin/linux.uml bash -c "sleep 600; :" x "umid=strata-$1"';
    decoy = spawn(
      'setpriv',
      [`--reuid=${LOCAL_UID}`, `--regid=${LOCAL_UID}`, '--clear-groups', '--', 'unshare', '-Urm', 'bash', '-c', script, fake, vm.id],
      { detached: true, stdio: ['pipe', 'ignore', 'inherit'] },
    );
    await expect
      .poll(() => readFileSync(`/proc/${decoy!.pid}/mountinfo`, 'utf8').includes('/usr/bin/uml_mconsole'), { timeout: 10_000 })
      .toBe(true);

    viewer = await startAndOpen(server, api, vm.id);
    decoy.stdin!.write('go\n');
    await expect.poll(() => argvOf(decoy!.pid!)[0], { timeout: 10_000 }).toBe('/usr/bin/linux.uml');
    expect(argvOf(decoy.pid!)).toContain(`umid=strata-${vm.id}`);
    expect(status(decoy.pid!)).toMatch(new RegExp(`^Uid:\\s+${LOCAL_UID}\\s`, 'm'));
    const [kernel] = kernelOf(vm, server.config.umlUid);
    expect(decoy.pid, 'the decoy must come first in a scan of /proc').toBeLessThan(kernel!);

    const layer = (await api<Image[]>('GET', '/images')).body.find((i) => i.id === vm.disks[0]!.imageId)!;
    const check = async () => {
      const ubd = await api<{ device: string; path: string; sizeBytes: number }[]>('GET', `/vms/${vm.id}/uml/ubd`);
      expect(ubd.status).toBe(200);
      expect(ubd.body).toEqual([{ device: 'ubd0', path: layer.path, sizeBytes: statSync(layer.path).size }]);
      const log = `${server.dataDir}/vms/${vm.id}/console.log`;
      const before = statSync(log).size;
      const sysrq = await api<{ reply: string }>('POST', `/vms/${vm.id}/uml`, { action: 'sysrq', key: 'h' });
      expect(sysrq.status, JSON.stringify(sysrq.body)).toBe(200);
      expect(sysrq.body.reply).not.toContain('decoy');
      // The real kernel printed its sysrq help on the VM's console.
      await expect.poll(() => readFileSync(log).subarray(before).toString('latin1'), { timeout: 10_000 }).toMatch(/sysrq: HELP/i);
      expect(existsSync(marker())).toBe(false);
    };
    await check();
    // After a restart the server finds the VM again from its own record, not by command line.
    await server.restart();
    viewer.close();
    viewer = await ConsoleClient.open(server.url, vm.id);
    await check();
  });

  it('gives the sandbox a network namespace of its own: code there reaches neither loopback TCP nor abstract sockets of the host', async () => {
    const [kernel] = kernelOf(vm, server.config.umlUid);
    expect(readlinkSync(`/proc/${kernel}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
    const accepted: string[] = [];
    const listen = (what: string, ...args: [number, string] | [string]) =>
      new Promise<Server>((resolve) => {
        const s = createServer((c) => {
          accepted.push(what);
          c.destroy();
        });
        listeners.push(s);
        s.listen(...(args as [number, string]), () => resolve(s));
      });
    const tcp = await listen('tcp', 0, '127.0.0.1');
    const port = (tcp.address() as { port: number }).port;
    const name = `strata-probe-${randomBytes(6).toString('hex')}`;
    await listen('abstract', `\0${name}`);
    const probe =
      'const net = require("net"); const t = (o) => new Promise((r) => { const s = net.connect(o); s.on("connect", () => { s.destroy(); r("connected"); }); s.on("error", (e) => r(e.code)); });' +
      ' Promise.all([t({ host: "127.0.0.1", port: Number(process.argv[1]) }), t({ path: "\\0" + process.argv[2] })]).then((a) => console.log(a.join(" ")));';
    // A process in the sandbox as the UML user: its mount namespace, root and network namespace.
    const inSandbox = async (withNet: boolean) =>
      (
        await promisify(execFile)(
          'nsenter',
          [
            `--target=${kernel}`,
            '--mount',
            '--root',
            ...(withNet ? ['--net'] : []),
            `--setuid=${server.config.umlUid}`,
            `--setgid=${server.config.umlUid}`,
            '--',
            '/usr/bin/node',
            '-e',
            probe,
            String(port),
            name,
          ],
          { encoding: 'utf8', timeout: 20_000 },
        )
      ).stdout.trim();
    // The probe itself works: in the host's network namespace it reaches both.
    expect(await inSandbox(false)).toBe('connected connected');
    await expect.poll(() => [...accepted].sort()).toEqual(['abstract', 'tcp']);
    expect(await inSandbox(true)).toBe('ECONNREFUSED ECONNREFUSED');
    expect(accepted).toHaveLength(2);
  });

  it("from inside the guest: hostfs reaches the sandbox root, but no /proc and so not the kernel's memory", async () => {
    const out = await viewer!.run(
      [
        'mkdir -p /e; mount -t hostfs none /e -o ../.. 2>&1; ls /e /e/proc 2>&1',
        'a=$(grep -m1 -E " (sys_sync|_stext)$" /proc/kallsyms | cut -d" " -f1); echo "addr=$a"',
        'if dd if=/e/proc/2/mem of=/dev/null bs=1 count=8 skip=$((0x$a)) 2>/dev/null; then echo MEM-READABLE; else echo MEM-UNREACHABLE; fi',
        'if ls /e/proc/self/ >/dev/null 2>&1; then echo PROC-SELF; fi',
      ].join('; '),
    );
    expect(out).toMatch(/usr/);
    expect(out).toMatch(/addr=[0-9a-f]*[1-9a-f][0-9a-f]*/);
    expect(out).toContain('MEM-UNREACHABLE');
    expect(out).not.toContain('MEM-READABLE');
    expect(out).not.toContain('PROC-SELF');
    expect(out).toMatch(/cpuinfo/);
  });

  it("stops the real VM and leaves the local user's process alone", async () => {
    viewer?.close();
    viewer = undefined;
    await api('POST', `/vms/${vm.id}/stop`);
    await waitForState(vm.id, 'stopped', 30_000);
    expect(kernelOf(vm, server.config.umlUid)).toEqual([]);
    expect(decoy!.exitCode).toBeNull();
    expect(argvOf(decoy!.pid!)[0]).toBe('/usr/bin/linux.uml');
    expect(existsSync(marker())).toBe(false);
  });
});
