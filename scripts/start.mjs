// `npm start`: install what is missing, build, and serve Strata with its embedded defaults.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root, say, sh } from './lib.mjs';

const started = Date.now();
sh(['node', join(root, 'scripts/setup.mjs')]);
sh(['node', join(root, 'scripts/build.mjs')]);
say(`ready to serve after ${((Date.now() - started) / 1000).toFixed(1)} s of set-up`);
const server = spawn('node', ['--enable-source-maps', join(root, 'apps/server/dist/main.js')], { stdio: 'inherit', cwd: root });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
