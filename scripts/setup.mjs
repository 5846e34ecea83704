// Installs what Strata needs and is missing: Debian packages (apt-get, as root) and npm packages
// (npm ci, only when package-lock.json changed). Fast when nothing is missing.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { die, root, say, sh } from './lib.mjs';

const RUNTIME_PACKAGES = [
  'qemu-system-x86',
  'qemu-utils',
  'user-mode-linux',
  'uml-utilities',
  'busybox-static',
  'e2fsprogs',
  'cpio',
  'fio',
  'bubblewrap',
  'acl',
  'util-linux',
];
const TEST_PACKAGES = ['chromium', 'python3'];

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    die(`Node.js ${process.versions.node} is too old: Strata needs 20.19 or newer (https://nodejs.org or NodeSource's Debian packages).`);
  }
}

function missingPackages(packages) {
  const r = sh(['dpkg-query', '-W', '-f=${Package} ${db:Status-Status}\n', ...packages], { allowFailure: true, quiet: true });
  const installed = new Set(
    (r.stdout ?? '')
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]),
  );
  return packages.filter((p) => !installed.has(p));
}

function aptListsPresent() {
  try {
    return readdirSync('/var/lib/apt/lists').some((f) => /_Packages(\.\w+)?$/.test(f));
  } catch {
    return false;
  }
}

function ensureSystemPackages(packages) {
  const isDebian = existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
  if (!isDebian) {
    die(`Strata needs Debian or Ubuntu packages: ${packages.join(' ')}. Install their equivalents, then run this again.`);
  }
  const missing = missingPackages(packages);
  // The default guest's kernel comes from `apt-get download`, which needs package lists too.
  const needLists = !aptListsPresent();
  if (missing.length === 0 && !needLists) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) die(`missing packages: ${missing.join(' ') || '(apt lists)'}. As root, run: ${command}`);
  say(`installing Debian packages: ${missing.join(' ') || '(refreshing apt lists only)'}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  sh(['apt-get', 'update', '-q'], { env });
  if (missing.length > 0) sh(['apt-get', 'install', '-y', '-q', ...missing], { env });
}

function ensureNpmPackages() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.strata-lock-hash');
  const hash = createHash('sha256').update(readFileSync(lock)).update(process.version).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  say('installing npm packages (npm ci)');
  sh(['npm', 'ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, hash);
}

checkNode();
ensureSystemPackages(process.argv.includes('--with-test-tools') ? [...RUNTIME_PACKAGES, ...TEST_PACKAGES] : RUNTIME_PACKAGES);
ensureNpmPackages();
