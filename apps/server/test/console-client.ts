import WebSocket from 'ws';
import { TOKEN } from './harness.js';
import { promptPattern } from './api-client.js';

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

  /** Runs a shell command in the guest and returns what it printed before the next prompt. */
  async run(command: string, timeoutMs = 30_000): Promise<string> {
    const mark = this.output.length;
    this.send(`${command}\r`);
    const tail = command.slice(-12).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // A long command wraps at the terminal's width, which ends its echo with \r\r\n.
    const match = await this.waitFor(new RegExp(`${tail}\\r+\\n([\\s\\S]*?)${promptPattern.source}`), timeoutMs, mark);
    return match[1]!;
  }

  close(): void {
    this.ws.close();
  }
}
