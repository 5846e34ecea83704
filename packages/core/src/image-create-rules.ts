import type { ImageCreate } from '@strata/contract';
import { invalid } from './errors.js';

/**
 * The combinations qemu-img refuses, refused first with the field named, so a user's choice is
 * never a tool failure. qemu-img's own word on anything else comes back as a 400 too.
 */
export function checkImageCreate(body: ImageCreate): void {
  if (body.clusterSize !== undefined && (body.clusterSize & (body.clusterSize - 1)) !== 0) {
    throw invalid('body.clusterSize', `${body.clusterSize} is not a power of two`);
  }
  if (body.format === 'raw' && (body.clusterSize || body.lazyRefcounts !== undefined || body.compat)) {
    throw invalid('body.format', 'cluster size, lazy refcounts and compat are qcow2 options; a raw image has none');
  }
  if (body.format === 'raw' && body.preallocation === 'metadata') {
    throw invalid('body.preallocation', 'a raw image has no metadata to preallocate; choose off, falloc or full');
  }
  if (body.lazyRefcounts === true && body.compat === '0.10') {
    throw invalid('body.lazyRefcounts', 'lazy refcounts need compat 1.1 (qcow2 version 3); compat 0.10 has none');
  }
}
