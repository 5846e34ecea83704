import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
// STRATA_E2E_NAME lets two runs on one machine keep apart (with STRATA_E2E_PORT in playwright.config.ts).
const name = process.env.STRATA_E2E_NAME || 'e2e';
export const e2eDataDir = join(root, '.cache', `${name}-data`);
export const servePidFile = join(root, '.cache', `${name}-serve.pid`);
export const e2ePassword = 'e2e-admin-password';
