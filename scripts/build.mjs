// Builds the web app (Vite) and bundles the server with the workspace packages (esbuild);
// npm dependencies stay external and load from node_modules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, say, sh } from './lib.mjs';

const started = Date.now();
sh(['npx', 'vite', 'build', '--logLevel', 'warn'], { cwd: join(root, 'apps/web') });

const { build } = await import('esbuild');
const serverPkg = JSON.parse(readFileSync(join(root, 'apps/server/package.json'), 'utf8'));
const external = Object.keys(serverPkg.dependencies).filter((d) => !d.startsWith('@strata/'));
await build({
  entryPoints: [join(root, 'apps/server/src/main.ts')],
  outfile: join(root, 'apps/server/dist/main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: [...external, ...external.map((d) => `${d}/*`)],
  logLevel: 'warning',
});
say(`built web and server in ${((Date.now() - started) / 1000).toFixed(1)} s`);
