import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../apps/server/src/config.js';
import { TOKEN } from '../../apps/server/test/harness.js';

/** A throw-away server configuration for a benchmark script: its own data directory, the test token, quiet logs. */
export function benchConfig(name: string): Config {
  const dataDir = mkdtempSync(join(tmpdir(), `strata-bench-${name}-`));
  return {
    ...loadConfig({}),
    dataDir,
    importDir: join(dataDir, 'import'),
    shareRoots: [join(dataDir, 'shares')],
    port: 0,
    webDir: null,
    adminPassword: 'bench',
    apiToken: TOKEN,
    logLevel: 'warn',
  };
}
