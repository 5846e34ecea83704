import { createConnection } from 'node:net';
import { guestAgentOver, type GuestAgent } from '@strata/core';
import { LineChannel } from '@strata/host';

/** The benchmark agent's virtio-serial port as QEMU serves it: one held connection to its socket. */
export interface QemuAgent {
  agent: GuestAgent;
  channel: LineChannel;
}

/**
 * Connects to QEMU's agent socket. `gone` tells, when the connection ends, whether QEMU itself
 * has (the kernel closes the socket with the process): calls then fail naming its exit.
 */
export function connectAgent(path: string, gone: () => boolean, timeoutMs = 5000): Promise<QemuAgent> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the agent socket ${path} did not accept a connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to the agent socket ${path}: ${err.message}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.unref();
      const channel = new LineChannel(socket, { closeReason: () => (gone() ? 'QEMU exited' : 'its channel closed') });
      resolve({ channel, agent: guestAgentOver((make, options) => channel.call(make, options)) });
    });
  });
}
