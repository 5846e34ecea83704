import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const e2eDataDir = join(root, '.cache', 'e2e-data');
export const servePidFile = join(root, '.cache', 'e2e-serve.pid');
export const e2ePassword = 'e2e-admin-password';
