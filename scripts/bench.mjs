// `npm run bench`: benchmark scripts, not tests. Each prints its figures side by side.
import { join } from 'node:path';
import { root, sh } from './lib.mjs';

sh(['node', join(root, 'scripts/setup.mjs')]);
sh([process.execPath, '--import', 'tsx', join(root, 'scripts/bench/layers.ts')]);
sh([process.execPath, '--import', 'tsx', join(root, 'scripts/bench/in-place.ts')]);
sh([process.execPath, '--import', 'tsx', join(root, 'scripts/bench/metrics.ts')]);
sh([process.execPath, '--import', 'tsx', join(root, 'scripts/bench/shares.ts')]);
