// `npm test`: the whole suite — lint, typecheck, build, the unit tier (seconds, no VMs), the
// integration tier (real QEMU, UML, bubblewrap), then the browser journeys (Playwright in Debian's
// Chromium). Tools are installed first, never skipped.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { die, root, say, sh } from './lib.mjs';

sh(['node', join(root, 'scripts/setup.mjs'), '--with-test-tools']);
say('lint and format (ESLint, Prettier)');
sh(['npm', 'run', 'lint', '--silent']);
say('typecheck');
sh(['npm', 'run', 'typecheck', '--silent']);
sh(['node', join(root, 'scripts/build.mjs')]);

say('unit tier (Vitest)');
const unitStart = performance.now();
const unit = sh(['npx', 'vitest', 'run', '--project', 'unit'], { allowFailure: true });
say(`unit tier: ${((performance.now() - unitStart) / 1000).toFixed(1)} s`);
// A logic error is reported now, not after the VMs have booted.
if (unit.status !== 0) die('failed: unit tier');

say('integration tier (Vitest, real QEMU and UML)');
const integration = sh(['npx', 'vitest', 'run', '--project', 'integration'], { allowFailure: true });
say('browser journeys (Playwright, Chromium)');
const playwright = sh(['npx', 'playwright', 'test'], { allowFailure: true });
const failed = [integration.status !== 0 && 'integration tier', playwright.status !== 0 && 'playwright'].filter(Boolean);
if (failed.length > 0) die(`failed: ${failed.join(', ')}`);
say('all tests passed');
