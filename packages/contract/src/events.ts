import { Type, type Static } from 'typebox';
import { Vm } from './vms.js';
import { Job } from './jobs.js';

/** What /api/v1/events pushes. The web invalidates queries from these; it never polls. */
export const StrataEvent = Type.Union([
  Type.Object({ type: Type.Literal('vm.changed'), vm: Vm }),
  Type.Object({ type: Type.Literal('vm.deleted'), id: Type.String() }),
  Type.Object({ type: Type.Literal('images.changed') }),
  Type.Object({ type: Type.Literal('shares.changed') }),
  Type.Object({ type: Type.Literal('host.changed') }),
  Type.Object({ type: Type.Literal('job.changed'), job: Job }),
]);
export type StrataEvent = Static<typeof StrataEvent>;
