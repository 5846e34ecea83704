import { Type, type Static } from 'typebox';
import { readJournal, type JournalRead } from './job-journal.js';

const Mode = Type.Union([Type.Literal('commit'), Type.Literal('stream'), Type.Literal('new-base')]);

/**
 * What a merge job writes before its first byte, and then step by step. Offline copies: writing →
 * verifying → switching. In place: committing → switching. Live: live → ready (the target holds
 * everything).
 */
export const MergeJournalSchema = Type.Object({
  mode: Mode,
  step: Type.Union([
    Type.Literal('writing'),
    Type.Literal('verifying'),
    Type.Literal('switching'),
    Type.Literal('committing'),
    Type.Literal('live'),
    Type.Literal('ready'),
  ]),
  /** Journals written before live merges existed have none: read as false. */
  live: Type.Optional(Type.Boolean()),
  vmId: Type.String(),
  diskId: Type.String(),
  layerId: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()]),
  tmp: Type.String(),
  target: Type.String(),
  newId: Type.Optional(Type.String()),
  /** The format of the layer merged: it picks the tools (merge-strategy.ts). */
  layerFormat: Type.Optional(Type.String()),
  /** Journals written before `layerFormat` existed said only whether the layer was a UML COW. */
  uml: Type.Optional(Type.Boolean()),
  /** The commit writes the parent itself: no new file, nothing to undo, a restart runs it again. */
  inPlace: Type.Optional(Type.Boolean()),
  /** UML in place: the backing's mtime and size as the COW header recorded them when the merge began. */
  stamp: Type.Optional(Type.Object({ mtime: Type.Number(), size: Type.Number() })),
});

/** As the code uses it: the layer's format and whether it runs live always known. */
export type MergeJournal = Omit<Static<typeof MergeJournalSchema>, 'uml' | 'layerFormat' | 'live'> & { layerFormat: string; live: boolean };

/** Live merges run inside QEMU; the others write the parent or top in place, or a new file. */
export type MergeRoute = 'live' | 'in-place' | 'copy';
export const routeOf = (j: Pick<MergeJournal, 'live' | 'inPlace'>): MergeRoute => (j.live ? 'live' : j.inPlace ? 'in-place' : 'copy');

/** A job record's journal: nothing yet (the job had not begun), a merge's, or a reason not to trust it. */
export function readMergeJournal(raw: Record<string, unknown>): JournalRead<MergeJournal | null> {
  if (Object.keys(raw).length === 0) return { ok: true, journal: null };
  const read = readJournal('merge', MergeJournalSchema, raw);
  if (!read.ok) return read;
  const { uml, ...journal } = read.journal;
  return {
    ok: true,
    journal: { ...journal, live: journal.live ?? false, layerFormat: journal.layerFormat ?? (uml ? 'uml-cow' : 'qcow2') },
  };
}
