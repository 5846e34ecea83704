// Helpers for the set-up scripts. Plain Node with no dependencies: they run before `npm ci`.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const say = (message) => console.log(`\x1b[1m[strata]\x1b[0m ${message}`);

export function die(message) {
  console.error(`\x1b[31m[strata] ${message}\x1b[0m`);
  process.exit(1);
}

/** Runs argv with inherited output; exits the script on failure unless `allowFailure`. */
export function sh(argv, { allowFailure = false, env, cwd = root, quiet = false } = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { stdio: quiet ? 'pipe' : 'inherit', env: env ?? process.env, cwd, encoding: 'utf8' });
  if (result.error) {
    if (allowFailure) return result;
    die(`cannot run ${argv[0]}: ${result.error.message}`);
  }
  if (result.status !== 0 && !allowFailure) die(`${argv.join(' ')} failed with exit code ${result.status}`);
  return result;
}
