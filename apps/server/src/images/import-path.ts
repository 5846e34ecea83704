import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { invalid } from '@strata/core';

/**
 * A file named relative to the import directory: no NUL, no '..', no way out through a symlink
 * (realpath, then a prefix check with a trailing slash), and a regular file.
 */
export function resolveInside(root: string, relative: string, field = 'body.path'): string {
  if (relative.includes('\0')) throw invalid(field, 'the path contains a NUL byte');
  if (relative.split(/[\\/]+/).includes('..')) throw invalid(field, "'..' is not allowed in the path");
  if (isAbsolute(relative)) throw invalid(field, `give the path relative to the import directory ${root}`);
  const realRoot = realpathSync(root);
  let resolved: string;
  try {
    resolved = realpathSync(join(realRoot, normalize(relative)));
  } catch {
    throw invalid(field, `no file '${relative}' in the import directory ${root}`);
  }
  if (!resolved.startsWith(`${realRoot}/`)) throw invalid(field, `'${relative}' leads outside the import directory`);
  if (!statSync(resolved).isFile()) throw invalid(field, `'${relative}' is not a regular file`);
  return resolved;
}
