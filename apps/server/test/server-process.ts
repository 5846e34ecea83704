import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { PASSWORD, TOKEN } from './harness.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** The server as its own process (from source, through tsx), so a test can kill -9 it for real. */
export class ServerProcess {
  child: ChildProcess | null = null;
  url = '';
  private constructor(
    private readonly dataDir: string,
    private readonly port: number,
  ) {}

  static async start(dataDir: string): Promise<ServerProcess> {
    const server = new ServerProcess(dataDir, await freePort());
    await server.launch();
    return server;
  }

  async launch(): Promise<void> {
    this.url = `http://127.0.0.1:${this.port}`;
    this.child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
      stdio: 'ignore',
      env: {
        ...process.env,
        STRATA_DATA_DIR: this.dataDir,
        STRATA_PORT: String(this.port),
        STRATA_API_TOKEN: TOKEN,
        STRATA_ADMIN_PASSWORD: PASSWORD,
        STRATA_WEB_DIR: '',
      },
    });
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      if (
        await fetch(`${this.url}/api/v1/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the server process did not come up');
  }

  kill9(): void {
    this.child?.kill('SIGKILL');
  }

  async api<T>(method: string, path: string, body?: object): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as T };
  }
}
