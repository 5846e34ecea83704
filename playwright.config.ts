import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  // Fail loudly: browser journeys are part of the suite, never silently skipped.
  throw new Error(`${CHROMIUM} is missing: install Debian's chromium (npm test's set-up does it as root)`);
}

export const E2E_PORT = Number(process.env.STRATA_E2E_PORT || 8181);
const baseURL = `http://127.0.0.1:${E2E_PORT}`;

export default defineConfig({
  testDir: 'e2e',
  timeout: 240_000,
  expect: { timeout: 45_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: process.env.STRATA_E2E_NAME ? `test-results/${process.env.STRATA_E2E_NAME}` : 'test-results',
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: 'node e2e/serve.mjs',
    url: `${baseURL}/api/v1/health`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'pipe',
    env: { STRATA_PORT: String(E2E_PORT), STRATA_LOG_LEVEL: 'warn' },
  },
  globalTeardown: './e2e/teardown.ts',
});
