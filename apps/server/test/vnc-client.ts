import WebSocket from 'ws';

/** The screen as the RFB ServerInit message describes it. */
export interface ServerInit {
  width: number;
  height: number;
  name: string;
}

/** A minimal RFB 3.8 client over the server's VNC WebSocket, for tests. */
export class VncClient {
  private buffer: Buffer = Buffer.alloc(0);
  closed: { code: number; reason: string } | null = null;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => (this.buffer = Buffer.concat([this.buffer, data])));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static url(baseUrl: string, vmId: string): string {
    return `${baseUrl.replace('http', 'ws')}/api/v1/vms/${vmId}/vnc`;
  }

  static async open(baseUrl: string, vmId: string, headers: Record<string, string>): Promise<VncClient> {
    const ws = new WebSocket(VncClient.url(baseUrl, vmId), { headers });
    const client = new VncClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
    return client;
  }

  /** What the server answers instead of upgrading: its status and JSON body. */
  static async refusal(baseUrl: string, vmId: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const ws = new WebSocket(VncClient.url(baseUrl, vmId), { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => reject(new Error('the upgrade was accepted')));
      ws.once('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
  }

  async read(n: number, timeoutMs = 30_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length < n) {
      if (this.closed) throw new Error(`vnc closed (${this.closed.code} ${this.closed.reason}) waiting for ${n} bytes`);
      if (Date.now() > deadline) throw new Error(`vnc: ${n} bytes did not arrive in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  send(bytes: Buffer | number[]): void {
    this.ws.send(Buffer.from(bytes));
  }

  /** Version, security None, SecurityResult, ClientInit, ServerInit. */
  async handshake(): Promise<ServerInit> {
    const version = (await this.read(12)).toString('latin1');
    if (version !== 'RFB 003.008\n') throw new Error(`server speaks ${JSON.stringify(version)}`);
    this.send(Buffer.from(version, 'latin1'));
    const count = (await this.read(1))[0]!;
    const types = [...(await this.read(count))];
    if (!types.includes(1)) throw new Error(`no security type None in ${types.join(',')}`);
    this.send([1]);
    const result = (await this.read(4)).readUInt32BE(0);
    if (result !== 0) throw new Error(`security result ${result}`);
    this.send([1]); // shared
    const head = await this.read(24);
    const name = (await this.read(head.readUInt32BE(20))).toString('latin1');
    return { width: head.readUInt16BE(0), height: head.readUInt16BE(2), name };
  }

  /** Asks for the whole screen and reads the FramebufferUpdate header that answers it. */
  async requestScreen(width: number, height: number): Promise<number> {
    this.send([2, 0, 0, 1, 0, 0, 0, 0]); // SetEncodings: raw only
    const req = Buffer.alloc(10);
    req.writeUInt8(3, 0);
    req.writeUInt16BE(width, 6);
    req.writeUInt16BE(height, 8);
    this.send(req);
    const head = await this.read(4);
    if (head[0] !== 0) throw new Error(`expected a FramebufferUpdate, got message type ${head[0]}`);
    return head.readUInt16BE(2);
  }

  key(keysym: number, down: boolean): void {
    const msg = Buffer.alloc(8);
    msg.writeUInt8(4, 0);
    msg.writeUInt8(down ? 1 : 0, 1);
    msg.writeUInt32BE(keysym, 4);
    this.send(msg);
  }

  /** Ctrl-Alt-Del as noVNC's button sends it: three keys down, then up in reverse. */
  ctrlAltDel(): void {
    const keys = [0xffe3, 0xffe9, 0xffff];
    for (const k of keys) this.key(k, true);
    for (const k of [...keys].reverse()) this.key(k, false);
  }

  close(): void {
    this.ws.close();
  }
}
