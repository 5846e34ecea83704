import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User, Vm } from '@strata/contract';
import { apiClient } from './api-client.js';
import type { ConsoleClient } from './console-client.js';
import { startAndOpen } from './fresh-boot.js';
import { auth, startServer, type TestServer } from './harness.js';
import { bearer, makeUser, tokenFor } from './users-client.js';
import { VncClient } from './vnc-client.js';

/** The graphical console of a real QEMU VM through the real server: handshake, roles, refusals. */
let server: TestServer;
let vm: Vm;
let serial: ConsoleClient;
const headers: { viewer: Record<string, string>; operator: Record<string, string> } = { viewer: {}, operator: {} };
const api = apiClient(() => server);

beforeAll(async () => {
  server = await startServer();
  for (const role of ['viewer', 'operator'] as const) {
    const user: User = await makeUser(server, `v-${role}`, role);
    headers[role] = bearer((await tokenFor(server, user.id)).token);
  }
  vm = (await api.api<Vm>('POST', '/vms', { name: 'screen', memoryMiB: 256 })).body;
  serial = await startAndOpen(server, api.api, vm.id);
}, 180_000);
afterAll(async () => {
  serial?.close();
  await server?.close();
});

describe('graphical console (VNC over the WebSocket)', () => {
  it('serves QEMU on a socket in the VM directory, with the serial line still the console', async () => {
    const argv = readFileSync(`/proc/${(await api.api<Vm>('GET', `/vms/${vm.id}`)).body.pid}/cmdline`, 'latin1').split('\0');
    expect(argv[argv.indexOf('-vnc') + 1]).toBe(`unix:${server.dataDir}/vms/${vm.id}/vnc.sock`);
    expect(argv.join(' ')).not.toMatch(/-vnc [^u]|:59\d\d/);
    // The kernel prints to both; the serial line (the last console=) is /dev/console, where the shell runs.
    expect(await serial.run('cat /proc/cmdline')).toMatch(/console=tty0 console=ttyS0/);
    expect(await serial.run('echo SERIAL$((6*7))')).toContain('SERIAL42');
  });

  it('refuses a caller without a login, and a UML VM with the reason', async () => {
    const anonymous = await VncClient.refusal(server.url, vm.id, {});
    expect(anonymous.status).toBe(401);
    const uml = (await api.api<Vm>('POST', '/vms', { name: 'no-screen', hypervisor: 'uml', memoryMiB: 128 })).body;
    const refused = await VncClient.refusal(server.url, uml.id, auth);
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'no_graphical_console', message: expect.stringMatching(/User-Mode Linux/) });
    const missing = await VncClient.refusal(server.url, 'nosuchvm0', auth);
    expect(missing.status).toBe(404);
  });

  it('lets a viewer watch the screen but never press a key', async () => {
    const viewer = await VncClient.open(server.url, vm.id, headers.viewer);
    const screen = await viewer.handshake();
    expect(screen.width).toBeGreaterThan(0);
    expect(screen.height).toBeGreaterThan(0);
    expect(await viewer.requestScreen(screen.width, screen.height)).toBeGreaterThan(0);
    viewer.ctrlAltDel();
    // The guest powers off on Ctrl-Alt-Del (its inittab). The key events were dropped if, after
    // they were sent, the guest still answers on its serial line and the VM still runs.
    for (let i = 0; i < 3; i++) expect(await serial.run(`sleep 1; echo ALIVE${i}$((6*7))`)).toContain(`ALIVE${i}42`);
    expect((await api.api<Vm>('GET', `/vms/${vm.id}`)).body.state).toBe('running');
    expect(viewer.closed).toBeNull();
    viewer.close();
  }, 120_000);

  it('closes a client that does not speak RFB 3.8 or sends an unknown message', async () => {
    const bad = await VncClient.open(server.url, vm.id, headers.operator);
    await bad.read(12);
    bad.send(Buffer.from('RFB 003.003\n', 'latin1'));
    await expect(bad.read(1, 10_000)).rejects.toThrow(/closed \(1002 the client must speak RFB 003.008/);
    const unknown = await VncClient.open(server.url, vm.id, headers.viewer);
    await unknown.handshake();
    unknown.send([99, 0, 0, 0]);
    await expect(unknown.read(1 << 30, 10_000)).rejects.toThrow(/closed \(1002 unknown RFB message type 99/);
  });

  it('closes a watching viewer at once when its token is revoked, without waiting for it to send anything', async () => {
    const user = await makeUser(server, 'v-revoked', 'viewer');
    const token = await tokenFor(server, user.id);
    const viewer = await VncClient.open(server.url, vm.id, bearer(token.token));
    const screen = await viewer.handshake();
    expect(await viewer.requestScreen(screen.width, screen.height)).toBeGreaterThan(0);
    const revokedAt = Date.now();
    expect(
      (await server.app.inject({ method: 'DELETE', url: `/api/v1/users/${user.id}/tokens/${token.id}`, headers: auth })).statusCode,
    ).toBe(204);
    while (!viewer.closed && Date.now() - revokedAt < 2000) await new Promise((r) => setTimeout(r, 20));
    expect(viewer.closed).toEqual({ code: 1008, reason: 'the session ended' });
  });

  it('lets an operator press Ctrl-Alt-Del, and the guest powers off', async () => {
    const operator = await VncClient.open(server.url, vm.id, headers.operator);
    const screen = await operator.handshake();
    expect(screen.width * screen.height).toBeGreaterThan(0);
    operator.ctrlAltDel();
    await api.waitForState(vm.id, 'stopped', 90_000);
    expect(readFileSync(`${server.dataDir}/vms/${vm.id}/console.log`, 'latin1')).toMatch(/reboot: Power down/);
  }, 120_000);
});
