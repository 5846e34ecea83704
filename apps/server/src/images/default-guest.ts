import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRepository } from '@strata/core';
import { ensureGuestImage, IMAGE_NAME, type GuestArtifacts } from '@strata/guest';
import { runOk } from '@strata/host';
import { imageInfo } from '@strata/qemu';

/**
 * Builds (once per recipe, in the cache) and imports the default guest into the data directory as
 * two protected bases: qcow2 for QEMU and raw for UML. A new recipe adds new bases and leaves the
 * old ones to the VMs that still stand on them.
 */
export async function installDefaultGuest(opts: {
  cacheDir: string;
  dataDir: string;
  images: ImageRepository;
  log: (m: string) => void;
}): Promise<GuestArtifacts> {
  const artifacts = await ensureGuestImage(opts.cacheDir, opts.log);
  const id = `mini-${artifacts.hash}`;
  if (opts.images.get(id)) return artifacts;

  const bootDir = join(opts.dataDir, 'boot', artifacts.hash);
  mkdirSync(bootDir, { recursive: true });
  const kernel = join(bootDir, 'vmlinuz');
  const initrd = join(bootDir, 'initrd.img');
  if (!existsSync(kernel)) copyFileSync(artifacts.kernel, kernel);
  if (!existsSync(initrd)) copyFileSync(artifacts.initrd, initrd);

  const imagesDir = join(opts.dataDir, 'images');
  const qcow2 = join(imagesDir, `${id}.qcow2`);
  const raw = join(imagesDir, `${id}.raw`);
  for (const [from, to] of [
    [artifacts.rootQcow2, qcow2],
    [artifacts.rootRaw, raw],
  ] as const) {
    if (!existsSync(to)) {
      await runOk(['cp', '--sparse=always', from, `${to}.tmp`]);
      await runOk(['mv', '-f', `${to}.tmp`, to]);
    }
    await chmod(to, 0o444);
  }
  const virtualSize = (await imageInfo(qcow2, 'qcow2'))['virtual-size'];
  const createdAt = new Date().toISOString();
  opts.images.insert({
    id,
    name: IMAGE_NAME,
    path: qcow2,
    format: 'qcow2',
    parentId: null,
    virtualSize,
    protected: true,
    ownerVmId: null,
    boot: { kernel, initrd, cmdline: 'quiet' },
    createdAt,
    parentFingerprint: null,
    invalidReason: null,
    snapshot: null,
  });
  opts.images.insert({
    id: `${id}-raw`,
    name: `${IMAGE_NAME}-raw`,
    path: raw,
    format: 'raw',
    parentId: null,
    virtualSize,
    protected: true,
    ownerVmId: null,
    boot: null,
    createdAt,
    parentFingerprint: null,
    invalidReason: null,
    snapshot: null,
  });
  opts.log(`imported ${IMAGE_NAME} (${artifacts.hash}) into ${imagesDir}`);
  return artifacts;
}
