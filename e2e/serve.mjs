// Starts the built server on a fresh data directory for the browser journeys. SIGUSR2 restarts the
// server on the same data directory (the VMs keep running), as a journey that survives a restart needs.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eDataDir, e2ePassword, root, servePidFile } from './env.mjs';
import { killAll, unmountAll } from './processes.mjs';

killAll(`${e2eDataDir}/`);
unmountAll(`${e2eDataDir}/`);
rmSync(e2eDataDir, { recursive: true, force: true });
writeFileSync(servePidFile, String(process.pid));

let server;
let restarting = false;
const launch = () => {
  server = spawn('node', ['--enable-source-maps', join(root, 'apps/server/dist/main.js')], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, STRATA_DATA_DIR: e2eDataDir, STRATA_ADMIN_PASSWORD: e2ePassword },
  });
  server.on('exit', (code) => {
    if (restarting) {
      restarting = false;
      launch();
    } else {
      process.exit(code ?? 0);
    }
  });
};
launch();
process.on('SIGUSR2', () => {
  restarting = true;
  server.kill('SIGKILL'); // a crash, not a clean stop: the VMs must survive even that
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
