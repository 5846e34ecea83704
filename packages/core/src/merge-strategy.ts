import { qemuImgStrategy } from './merge-qemu-img.js';
import type { MergeStrategy } from './merge-strategy-type.js';
import { umlCowStrategy } from './merge-uml-cow.js';

export type { MergeStrategy } from './merge-strategy-type.js';

const byFormat: Partial<Record<string, MergeStrategy>> = { 'uml-cow': umlCowStrategy };

/** qemu-img merges every format but UML's COW files, which only uml_moo reads. */
export const strategyFor = (format: string): MergeStrategy => byFormat[format] ?? qemuImgStrategy;
