import { lstat } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { IdParams } from '@strata/contract';
import { roleAtLeast } from '@strata/contract/roles';
import { conflict, type VmConfig, type VmRuntime } from '@strata/core';
import { bridgeVnc } from '../console/vnc-bridge.js';
import { claimStream, streamRefusal, tooManyStreams } from '../auth/stream-budget.js';

/**
 * The graphical console: QEMU's VNC server on the VM's own socket, bridged to the browser over a
 * WebSocket behind the same login, origin check and roles as the serial console. Viewers watch
 * (their input is dropped message by message); operators control.
 */
export const vncRoutes: FastifyPluginAsync<{
  vms: Pick<VmConfig, 'get'>;
  runtime: Pick<VmRuntime, 'running'>;
  vncPathOf: (id: string) => string;
  log?: (message: string) => void;
}> = async (app, opts) => {
  /** Refused before the upgrade, so the browser (and a script) gets an HTTP status and the reason. */
  const admit = async (req: FastifyRequest) => {
    const { id } = req.params as { id: string };
    const busy = streamRefusal(req.user);
    if (busy) throw tooManyStreams(busy);
    const vm = await opts.vms.get(id);
    if (vm.hypervisor === 'uml')
      throw conflict('no_graphical_console', `${vm.name} runs on User-Mode Linux, which has no screen: use the serial console`);
    if (!opts.runtime.running(id)) throw conflict('vm_not_running', `${vm.name} is not running: start it to see its screen`);
    const socket = await lstat(opts.vncPathOf(id)).catch(() => null);
    if (!socket?.isSocket())
      throw conflict(
        'no_graphical_console',
        `${vm.name} was started before Strata offered a graphical console: restart it to see its screen`,
      );
  };
  app.get(
    '/vms/:id/vnc',
    {
      websocket: true,
      config: { role: 'viewer' },
      schema: { tags: ['vms'], params: IdParams, description: "the VM's screen as RFB 3.8 over a binary WebSocket" },
      preHandler: admit,
    },
    (socket: WebSocket, req) => {
      const { id } = req.params as { id: string };
      // Admitted above; a race with the caller's other connections since then is refused here.
      const claim = claimStream(req.user);
      if ('refused' in claim) return socket.close(1008, claim.refused.slice(0, 120));
      socket.once('close', claim.release);
      let told = false; // one line per session: a viewer pressing keys must not flood the log
      bridgeVnc(socket, {
        socketPath: opts.vncPathOf(id),
        mayControl: () => roleAtLeast(req.user?.current() ?? 'viewer', 'operator'),
        signedIn: () => (req.user?.current() ?? null) !== null,
        onDropped: (type) => {
          if (!told) opts.log?.(`vnc ${id}: a viewer's input (RFB message type ${type}) was dropped; viewers only watch`);
          told = true;
        },
      });
    },
  );
};
