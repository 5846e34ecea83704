import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../src/config.js';
import { buildApp } from '../src/app.js';
import { releaseShareRoots } from '@strata/host';
import { killAll, unmountAll } from '../../../e2e/processes.mjs';

export const TOKEN = 'test-token';
export const PASSWORD = 'test-password';
export const auth = { authorization: `Bearer ${TOKEN}` };

export interface TestServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  config: Config;
  /** Builds a fresh app on the same data dir, as a restarted server would be; `whileDown` runs in between. */
  restart(whileDown?: () => unknown): Promise<void>;
  close(): Promise<void>;
}

/** A real server (real SQLite, real QEMU) on a private data directory and a free port. */
export async function startServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-test-'));
  const config: Config = {
    ...loadConfig({}),
    dataDir,
    importDir: join(dataDir, 'import'),
    shareRoots: [join(dataDir, 'shares')],
    port: 0,
    webDir: null,
    adminPassword: PASSWORD,
    apiToken: TOKEN,
    ...overrides,
  };
  const listen = async (app: FastifyInstance) => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  const server: TestServer = {
    app: await buildApp(config),
    url: '',
    dataDir,
    config,
    async restart(whileDown) {
      await server.app.close();
      await whileDown?.();
      server.app = await buildApp(config);
      server.url = await listen(server.app);
    },
    async close() {
      await server.app.close();
      killAll(`${dataDir}/`); // VMs outlive servers by design; tests must not leave theirs behind
      await releaseShareRoots(config.shareRoots, { everyBind: true }); // the server keeps its binds after it stops
      unmountAll(`${dataDir}/`); // and any a test made itself (a nosuid memory directory)
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  server.url = await listen(server.app);
  return server;
}
