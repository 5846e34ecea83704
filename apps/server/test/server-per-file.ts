import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../src/config.js';
import { apiClient } from './api-client.js';
import { startServer, type TestServer } from './harness.js';

/**
 * One real server for the calling test file: started before its first test and closed after its
 * last. Consoles handed to `closeAtEnd` are closed first, so a test that fails half-way leaves no
 * socket open to a VM the server is about to kill.
 */
export function serverPerFile(overrides: Partial<Config> = {}) {
  let started: TestServer | undefined;
  const toClose: { close(): void }[] = [];
  const server = (): TestServer => {
    if (!started) throw new Error('the test server starts in beforeAll: use server() inside a hook or a test');
    return started;
  };
  beforeAll(async () => {
    started = await startServer(overrides);
  });
  afterAll(async () => {
    for (const open of toClose.splice(0)) open.close();
    await started?.close();
  });
  const closeAtEnd = <T extends { close(): void }>(open: T): T => {
    toClose.push(open);
    return open;
  };
  return { server, closeAtEnd, ...apiClient(server) };
}
