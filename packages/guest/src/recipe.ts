import { createHash } from 'node:crypto';
import { runOk } from '@strata/host';
import { etcFiles, executableFiles, initramfsInit } from './scripts.js';

/** Bump when the build steps change in a way the inputs below do not capture. */
export const RECIPE_VERSION = 3;
export const IMAGE_NAME = 'strata-mini';
export const ROOT_SIZE = '1G';

/** What the initramfs loads; dependencies are added from each module's own .modinfo. */
export const MODULES = [
  'virtio_pci',
  'virtio_blk',
  'virtio_scsi',
  'sd_mod',
  'sr_mod',
  'ata_piix',
  'crc32c_generic',
  'ext4',
  '9pnet_virtio',
  '9p',
  'virtiofs',
  'virtio_balloon',
  'virtio_net',
  // virtio-serial: the benchmark agent's channel on QEMU.
  'virtio_console',
  'button',
  'evdev',
];

export interface RecipeInputs {
  kernelPackage: string;
  busyboxVersion: string;
  fioVersion: string;
}

export async function resolveInputs(): Promise<RecipeInputs> {
  const depends = await runOk(['apt-cache', 'depends', 'linux-image-amd64']);
  const kernelPackage = depends.stdout.match(/Depends:\s+(linux-image-[\w.+-]+-amd64)/)?.[1];
  if (!kernelPackage) {
    throw new Error('cannot find the Debian kernel package behind linux-image-amd64: run `apt-get update` first');
  }
  const versions = await runOk(['dpkg-query', '-W', '-f=${Version}\n', 'busybox-static', 'fio']);
  const [busyboxVersion = '', fioVersion = ''] = versions.stdout.trim().split('\n');
  return { kernelPackage, busyboxVersion, fioVersion };
}

export function recipeHash(inputs: RecipeInputs): string {
  // Every file the guest is made of that is text of ours; the rest comes in with `inputs`.
  const recipe = JSON.stringify({ RECIPE_VERSION, ROOT_SIZE, MODULES, inputs, initramfsInit, etcFiles, executableFiles });
  return createHash('sha256').update(recipe).digest('hex').slice(0, 16);
}
