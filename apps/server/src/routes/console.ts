import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { Value } from 'typebox/value';
import { IdParams } from '@strata/contract';
import { roleAtLeast } from '@strata/contract/roles';
import type { VmConfig, VmRuntime } from '@strata/core';
import { ConsoleHub, withoutTerminalQueries, type ConsoleViewer } from '../console/console-hub.js';
import { watchCaller } from '../auth/caller-watch.js';
import { claimStream } from '../auth/stream-budget.js';
import { MAX_BACKLOG } from '../events/sse.js';

const toBuffer = (data: unknown): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data as Buffer[]) : Buffer.from(data as ArrayBuffer);

/** The serial console as raw terminal bytes both ways, as xterm.js's attach add-on expects. */
export const consoleRoutes: FastifyPluginAsync<{
  vms: Pick<VmConfig, 'get'>;
  runtime: Pick<VmRuntime, 'running'>;
  hub: ConsoleHub;
  logPathOf: (id: string) => string;
}> = async (app, opts) => {
  const route = { websocket: true as const, config: { role: 'viewer' as const }, schema: { tags: ['vms'], params: IdParams } };
  app.get('/vms/:id/console', route, async (socket: WebSocket, req) => {
    const { id } = req.params as { id: string };
    const viewer: ConsoleViewer = {
      // Output too asks whether the caller may still watch, not only input.
      send: (data) => {
        if (socket.readyState !== socket.OPEN || !watch.stillSignedIn()) return;
        // A viewer that stops reading while the guest floods its serial line is cut off, never buffered without bound.
        if (socket.bufferedAmount > MAX_BACKLOG) return viewer.close('this viewer fell too far behind the output');
        socket.send(data);
      },
      close: (reason) => {
        watch.stop();
        if (socket.readyState === socket.OPEN) socket.send(Buffer.from(`\r\n[strata] console closed: ${reason}\r\n`));
        socket.close(1000, reason.slice(0, 100));
      },
    };
    // A revoked token, a disabled or deleted user, a sign-out: the console closes at once.
    const watch = watchCaller(
      () => (req.user?.current() ?? null) !== null,
      () => viewer.close('the session ended'),
    );
    const claim = claimStream(req.user);
    if ('refused' in claim) return viewer.close(claim.refused);
    socket.once('close', claim.release);
    if (!Value.Check(IdParams, req.params)) return viewer.close('no such VM');
    const running = opts.runtime.running(id);
    if (!running) {
      const exists = await opts.vms.get(id).then(
        () => true,
        () => false,
      );
      if (!exists) return viewer.close('no such VM');
      viewer.send(withoutTerminalQueries(await ConsoleHub.lastOutput(opts.logPathOf(id))));
      return viewer.close('the VM is not running');
    }
    // Listen before attaching: input typed while the scrollback is being read must not be lost.
    const early: Buffer[] = [];
    let input: ((d: Buffer) => void) | null = null;
    // A viewer watches: what it types never reaches the guest. The role is asked again for every
    // input, so a user demoted, disabled, deleted or signed out stops typing at once (and watching:
    // see watchCaller above).
    socket.on('message', (data) => {
      const role = req.user?.current() ?? null;
      if (role === null) return viewer.close('the session ended');
      if (!roleAtLeast(role, 'operator')) return;
      if (input) input(toBuffer(data));
      else early.push(toBuffer(data));
    });
    socket.on('close', () => {
      watch.stop();
      void opts.hub.detach(id, viewer);
    });
    try {
      input = await opts.hub.attach(id, { ...running.console, onExit: (l) => running.onExit(() => l()) }, viewer);
      for (const d of early) input(d);
    } catch (err) {
      viewer.close(`cannot reach the console: ${(err as Error).message}`);
    }
  });
};
