import WebSocket from 'ws';
import { TOKEN } from './harness.js';

/** A console viewer for tests: collects what the VM prints and waits for text to appear. */
export class ConsoleClient {
  output = '';
  closed = false;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => (this.output += data.toString('latin1')));
    ws.on('close', () => (this.closed = true));
  }

  static async open(baseUrl: string, vmId: string): Promise<ConsoleClient> {
    const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v1/vms/${vmId}/console`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const client = new ConsoleClient(ws);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return client;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** Resolves once `pattern` matches what arrived after character `from`. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.slice(from).match(pattern);
      if (match) return match;
      if (this.closed || Date.now() > deadline) {
        throw new Error(`console: no ${pattern} (closed=${this.closed}) in: ${JSON.stringify(this.output.slice(-500))}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.ws.close();
  }
}
