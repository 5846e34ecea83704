import WebSocket from 'ws';
import { TOKEN } from './harness.js';

/** Unique across viewers, so no run can match another's marker in the scrollback. */
let runs = 0;

/** A console viewer for tests: collects what the VM prints and waits for text to appear. */
export class ConsoleClient {
  output = '';
  closed = false;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => (this.output += data.toString('latin1')));
    ws.on('close', () => (this.closed = true));
  }

  /** As the admin by default; `headers` opens it as someone else (a viewer's token). */
  static async open(
    baseUrl: string,
    vmId: string,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ): Promise<ConsoleClient> {
    const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v1/vms/${vmId}/console`, { headers });
    const client = new ConsoleClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** Resolves once `pattern` matches what arrived after character `from`. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The line discipline wraps a long echoed command with \r\r\n at the terminal's width, and
      // UML's kernel prints "epollctl add err fd N, …" on the console between the guest's output.
      const match = this.output
        .slice(from)
        .replace(/\r\r\n/g, '')
        .replace(/epollctl add err fd \d+, [^\r\n]*\r*\n/g, '')
        .match(pattern);
      if (match) return match;
      if (this.closed || Date.now() > deadline) {
        throw new Error(`console: no ${pattern} (closed=${this.closed}) in: ${JSON.stringify(this.output.slice(-500))}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Runs a shell command in the guest and returns what it printed. The end is marked by a number
   * the shell computes, so neither the echo of the command nor an older run of it in the replayed
   * scrollback can be mistaken for its output.
   */
  async run(command: string, timeoutMs = 30_000): Promise<string> {
    const n = `${Date.now()}${++runs}`;
    const mark = this.output.length;
    this.send(`${command}; echo "<<$((${n} + 1))>>"\r`);
    const end = `<<${BigInt(n) + 1n}>>`;
    const match = await this.waitFor(new RegExp(`\\(\\(${n} \\+ 1\\)\\)>>"\\r+\\n([\\s\\S]*?)${end}\\r\\n`), timeoutMs, mark);
    return match[1]!;
  }

  close(): void {
    this.ws.close();
  }
}
