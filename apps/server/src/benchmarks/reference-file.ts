import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReference } from '@strata/contract';
import { parseReferenceCsv } from '@strata/core';

const FILE = join('reference', 'virtfs-article-table.csv');

/**
 * apps/server/reference/ sits two levels above this module in the sources (src/benchmarks/) and
 * one above the bundle (dist/main.js): walk up from wherever this code runs until it is found.
 */
export function findReferenceFile(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from, i = 0; i < 5; i++, dir = dirname(dir)) {
    const candidate = join(dir, FILE);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`the VirtFS article's table (${FILE}) is missing beside the server`);
}

export const loadReference = (path = findReferenceFile()): BenchReference => parseReferenceCsv(readFileSync(path, 'utf8'));
