import { Type, type Static } from 'typebox';

export const JobState = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);
export type JobState = Static<typeof JobState>;

export const Job = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'merge, snapshot, ...' }),
  state: JobState,
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  title: Type.String({ description: 'what the job does, for a person' }),
  vmId: Type.Union([Type.String(), Type.Null()]),
  imageId: Type.Union([Type.String(), Type.Null()]),
  error: Type.Optional(Type.String()),
  result: Type.Optional(Type.String({ description: 'how it ended, for a person (e.g. rolled back after a restart)' })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Job = Static<typeof Job>;
