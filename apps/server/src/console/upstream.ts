import { closeSync, constants, openSync, readSync, statSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { createConnection } from 'node:net';

/** One connection to a VM's console: bytes out of the guest, bytes into it. */
export interface Upstream {
  onData(listener: (chunk: Buffer) => void): void;
  onClose(listener: () => void): void;
  write(data: Buffer): void;
  destroy(): void;
}

export interface ConsoleEndpoint {
  logPath: string;
  /** QEMU's serial socket (its chardev also logs to logPath). */
  socketPath?: string;
  /** UML: the FIFO its console reads; its output goes straight into logPath. */
  inputPath?: string;
  /** For file consoles, which never close by themselves: the VM's end. */
  onExit?(listener: () => void): void;
}

async function socketUpstream(path: string): Promise<Upstream> {
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  return {
    onData: (l) => socket.on('data', l),
    onClose: (l) => socket.on('close', l),
    write: (d) => socket.write(d),
    destroy: () => socket.destroy(),
  };
}

/**
 * Follows the log file from its current end (fs.watch, with a poll as a safety net) and writes
 * input into the FIFO without blocking: the guest's kernel holds its reading end open.
 */
function fileUpstream(endpoint: ConsoleEndpoint & { inputPath: string }): Upstream {
  const fd = openSync(endpoint.logPath, 'r');
  let position = statSync(endpoint.logPath).size;
  const dataListeners: ((c: Buffer) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  let closed = false;
  const pump = () => {
    if (closed) return;
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, position);
      if (n <= 0) break;
      position += n;
      const chunk = Buffer.from(buf.subarray(0, n));
      for (const l of dataListeners) l(chunk);
    }
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(endpoint.logPath, () => pump());
  } catch {
    watcher = null;
  }
  const poll = setInterval(pump, 250);
  const close = () => {
    if (closed) return;
    pump();
    closed = true;
    clearInterval(poll);
    watcher?.close();
    closeSync(fd);
    for (const l of closeListeners) l();
  };
  endpoint.onExit?.(close);
  return {
    onData: (l) => dataListeners.push(l),
    onClose: (l) => closeListeners.push(l),
    write(data) {
      try {
        const w = openSync(endpoint.inputPath, constants.O_WRONLY | constants.O_NONBLOCK);
        try {
          writeSync(w, data);
        } finally {
          closeSync(w);
        }
      } catch {
        // no reader: the VM is gone, and the exit closes this session
      }
    },
    destroy: close,
  };
}

export const connectUpstream = (endpoint: ConsoleEndpoint): Promise<Upstream> => {
  if (endpoint.socketPath) return socketUpstream(endpoint.socketPath);
  if (endpoint.inputPath) return Promise.resolve(fileUpstream({ ...endpoint, inputPath: endpoint.inputPath }));
  return Promise.reject(new Error('this VM has no console'));
};
