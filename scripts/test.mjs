// `npm test`: the whole suite — unit and integration tests (Vitest, with real QEMU), then the
// browser journeys (Playwright in Debian's Chromium). Tools are installed first, never skipped.
import { join } from 'node:path';
import { root, say, sh } from './lib.mjs';

sh(['node', join(root, 'scripts/setup.mjs'), '--with-test-tools']);
say('lint and format (ESLint, Prettier)');
sh(['npm', 'run', 'lint', '--silent']);
sh(['npm', 'run', 'typecheck', '--silent']);
sh(['node', join(root, 'scripts/build.mjs')]);
say('unit and integration tests (Vitest)');
const vitest = sh(['npx', 'vitest', 'run'], { allowFailure: true });
say('browser journeys (Playwright, Chromium)');
const playwright = sh(['npx', 'playwright', 'test'], { allowFailure: true });
const failed = [vitest.status !== 0 && 'vitest', playwright.status !== 0 && 'playwright'].filter(Boolean);
if (failed.length > 0) {
  console.error(`[strata] failed: ${failed.join(', ')}`);
  process.exit(1);
}
say('all tests passed');
