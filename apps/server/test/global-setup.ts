import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseShareRoots } from '@strata/host';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/app.js';

const REQUIRED = [
  'qemu-system-x86_64',
  'qemu-img',
  'qemu-io',
  'mkfs.ext4',
  'debugfs',
  'dpkg-deb',
  'apt-get',
  'linux.uml',
  'uml_moo',
  'uml_mkcow',
  'uml_mconsole',
  'bwrap',
  'setfacl',
  'nsenter',
  'mount',
  'setpriv',
  'python3',
];
const REQUIRED_FILES = ['/usr/lib/qemu/virtiofsd'];

/**
 * Integration tests need the real tools: a missing one fails the run here, loudly, instead of
 * letting tests skip. Then one throw-away server builds the default guest and probes KVM, so the
 * test files share those cached results instead of racing to make them.
 */
export default async function setup(): Promise<void> {
  for (const tool of REQUIRED) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
    } catch {
      throw new Error(`integration tests need ${tool}; run \`node scripts/setup.mjs --with-test-tools\` as root`);
    }
  }
  for (const file of REQUIRED_FILES) {
    if (!existsSync(file)) throw new Error(`integration tests need ${file}; run \`node scripts/setup.mjs --with-test-tools\` as root`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-warmup-'));
  const app = await buildApp({ ...loadConfig({ STRATA_DATA_DIR: dataDir }), webDir: null, adminPassword: 'warmup' });
  await app.close();
  await releaseShareRoots([join(dataDir, 'shares')], { everyBind: true }); // the server keeps its binds
  rmSync(dataDir, { recursive: true, force: true });
}
