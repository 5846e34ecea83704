import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, readdir, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runOk } from '@strata/host';
import { cpioDir, cpioFile, cpioSymlink, writeCpio, type CpioEntry } from './cpio.js';
import { parseLdd } from './ldd.js';
import { loadOrder, moduleDepends } from './modinfo.js';
import { IMAGE_NAME, MODULES, ROOT_SIZE, recipeHash, resolveInputs, type RecipeInputs } from './recipe.js';
import { etcFiles, executableFiles, initramfsInit } from './scripts.js';

export interface GuestArtifacts {
  name: string;
  hash: string;
  dir: string;
  kernel: string;
  initrd: string;
  rootRaw: string;
  rootQcow2: string;
  kernelVersion: string;
  buildSeconds: number;
}

type Log = (message: string) => void;

/** Builds the default guest once per recipe into `<cacheDir>/guest/<hash>` and returns its files. */
export async function ensureGuestImage(cacheDir: string, log: Log = () => {}): Promise<GuestArtifacts> {
  const inputs = await resolveInputs();
  const hash = recipeHash(inputs);
  const dir = join(cacheDir, 'guest', hash);
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) return JSON.parse(await readFile(manifestPath, 'utf8')) as GuestArtifacts;

  log(`building the default guest image ${IMAGE_NAME} (recipe ${hash}); this happens once per recipe`);
  const started = Date.now();
  const work = `${dir}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const kernelTree = await extractKernel(cacheDir, inputs);
  const kernelVersion = (await readdir(join(kernelTree, 'lib/modules')))[0] ?? '';
  await copyFile(join(kernelTree, 'boot', `vmlinuz-${kernelVersion}`), join(work, 'vmlinuz'));
  const modulesDir = join(kernelTree, 'lib/modules', kernelVersion);
  await writeFile(join(work, 'initrd.img'), gzipSync(writeCpio(await initramfsEntries(modulesDir))));
  const rootDir = join(work, 'root');
  await buildRootTree(rootDir);
  const rootRaw = join(work, 'root.raw');
  await runOk(['mkfs.ext4', '-q', '-F', '-L', 'strata-root', '-E', 'root_owner=0:0', '-d', rootDir, rootRaw, ROOT_SIZE]);
  await runOk(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', rootRaw, join(work, 'root.qcow2')]);
  await rm(rootDir, { recursive: true, force: true });

  const buildSeconds = (Date.now() - started) / 1000;
  const artifacts: GuestArtifacts = {
    name: IMAGE_NAME,
    hash,
    dir,
    kernelVersion,
    buildSeconds,
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    rootRaw: join(dir, 'root.raw'),
    rootQcow2: join(dir, 'root.qcow2'),
  };
  await writeFile(join(work, 'manifest.json'), JSON.stringify(artifacts, null, 2));
  try {
    await rename(work, dir);
  } catch {
    await rm(work, { recursive: true, force: true }); // another builder finished first; its result is identical
  }
  log(`built ${IMAGE_NAME} in ${buildSeconds.toFixed(1)} s`);
  return artifacts;
}

async function extractKernel(cacheDir: string, inputs: RecipeInputs): Promise<string> {
  const tree = join(cacheDir, 'kernel', inputs.kernelPackage);
  if (existsSync(join(tree, '.complete'))) return tree;
  const debs = join(cacheDir, 'debs');
  await mkdir(debs, { recursive: true });
  let deb = (await readdir(debs)).find((f) => f.startsWith(`${inputs.kernelPackage}_`));
  if (!deb) {
    await runOk(['apt-get', 'download', inputs.kernelPackage], { cwd: debs, timeoutMs: 600_000 });
    deb = (await readdir(debs)).find((f) => f.startsWith(`${inputs.kernelPackage}_`));
    if (!deb) throw new Error(`apt-get download ${inputs.kernelPackage} left no .deb in ${debs}`);
  }
  await rm(tree, { recursive: true, force: true });
  await mkdir(tree, { recursive: true });
  await runOk(['dpkg-deb', '-x', join(debs, deb), tree]);
  await writeFile(join(tree, '.complete'), '');
  return tree;
}

async function indexModules(dir: string, index = new Map<string, string>()): Promise<Map<string, string>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await indexModules(path, index);
    else if (entry.name.endsWith('.ko')) index.set(entry.name.slice(0, -3).replace(/-/g, '_'), path);
  }
  return index;
}

async function initramfsEntries(modulesDir: string): Promise<CpioEntry[]> {
  const index = await indexModules(join(modulesDir, 'kernel'));
  const builtin = (await readFile(join(modulesDir, 'modules.builtin'), 'utf8'))
    .split('\n')
    .map((l) => (l.split('/').pop() ?? '').replace(/\.ko$/, '').replace(/-/g, '_'));
  const contents = new Map<string, Buffer>();
  const pending = [...MODULES];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (contents.has(name)) continue;
    const path = index.get(name);
    if (!path) {
      if (builtin.includes(name)) continue;
      throw new Error(`kernel module ${name} is neither a module nor built in`);
    }
    const ko = await readFile(path);
    contents.set(name, ko);
    pending.push(...moduleDepends(ko));
  }
  const order = loadOrder(MODULES, (name) => {
    const ko = contents.get(name);
    return ko ? moduleDepends(ko) : [];
  }).filter((m) => contents.has(m));
  const entries: CpioEntry[] = ['bin', 'dev', 'proc', 'sys', 'newroot', 'etc', 'lib', 'lib/modules'].map(cpioDir);
  entries.push(cpioFile('bin/busybox', await readFile('/bin/busybox'), 0o755));
  entries.push(cpioSymlink('bin/sh', 'busybox'));
  entries.push(cpioFile('init', Buffer.from(initramfsInit), 0o755));
  entries.push(cpioFile('etc/modules.order', Buffer.from(`${order.join('\n')}\n`)));
  for (const name of order) entries.push(cpioFile(`lib/modules/${name}.ko`, contents.get(name)!));
  return entries;
}

async function buildRootTree(root: string): Promise<void> {
  for (const d of [
    'bin',
    'sbin',
    'usr/bin',
    'usr/sbin',
    'etc/init.d',
    'etc/acpi/PWRF',
    'proc',
    'sys',
    'dev',
    'tmp',
    'run',
    'root',
    'mnt',
    'var/log',
  ]) {
    await mkdir(join(root, d), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await copyFile('/bin/busybox', join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  const applets = (await runOk(['/bin/busybox', '--list-full'])).stdout.split('\n').filter(Boolean);
  for (const applet of applets) {
    const path = join(root, applet);
    if (!existsSync(path)) await symlink('/bin/busybox', path);
  }
  await copyHostBinary('/usr/bin/fio', root);
  for (const [path, text] of Object.entries(etcFiles)) await writeFile(join(root, path), text);
  for (const [path, text] of Object.entries(executableFiles)) await writeFile(join(root, path), text, { mode: 0o755 });
}

/** Copies a host binary and every shared library ldd resolves for it, at the same paths. */
async function copyHostBinary(binary: string, root: string): Promise<void> {
  const libs = parseLdd((await runOk(['ldd', binary])).stdout);
  for (const path of [binary, ...libs]) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(await realpath(path), target);
    await chmod(target, 0o755);
  }
}
