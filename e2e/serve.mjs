// Starts the built server on a fresh data directory for the browser journeys.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { e2eDataDir, e2ePassword, root } from './env.mjs';
import { killAll } from './processes.mjs';

killAll(`${e2eDataDir}/`);
rmSync(e2eDataDir, { recursive: true, force: true });
const server = spawn('node', ['--enable-source-maps', join(root, 'apps/server/dist/main.js')], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, STRATA_DATA_DIR: e2eDataDir, STRATA_ADMIN_PASSWORD: e2ePassword },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
