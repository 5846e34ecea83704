import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface QmpCall {
  execute: string;
  id: string;
  arguments?: Record<string, unknown>;
}

/** One QMP message as QEMU frames it. */
export const qmpLine = (message: unknown) => `${JSON.stringify(message)}\r\n`;

/** A scripted QMP peer on a Unix socket: the protocol logic is what is under test, not QEMU. */
export function fakeQmp(handle: (msg: QmpCall, socket: Socket) => void): Promise<{ path: string; server: Server; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-'));
  const path = join(dir, 'qmp.sock');
  const server = createServer((socket) => {
    socket.write(qmpLine({ QMP: { version: {}, capabilities: [] } }));
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const msg = JSON.parse(buffer.slice(0, i)) as QmpCall;
        buffer = buffer.slice(i + 1);
        if (msg.execute === 'qmp_capabilities') socket.write(qmpLine({ return: {}, id: msg.id }));
        else handle(msg, socket);
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve({ path, server, dir })));
}
