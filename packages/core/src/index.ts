export * from './errors.js';
export * from './vm-state.js';
export * from './vm-spec.js';
export * from './records.js';
export * from './ports.js';
export * from './image-chain.js';
export { createVmServices, type VmServices, type VmServiceDeps, type VmMerges, type VmRuntime } from './vm-service.js';
export type { VmConfig } from './vm-config.js';
export type { InternalCreate } from './vm-create.js';
export type { VmLifecycle } from './vm-lifecycle.js';
export type { VmDisks } from './vm-disks.js';
export type { VmShares } from './vm-shares.js';
export type { VmUml } from './vm-uml.js';
export { shareWarnings } from './vm-warnings.js';
export { NO_CAPABILITIES } from './capabilities.js';
export * from './vm-defaults.js';
export { createImageService, type ImageService } from './image-service.js';
export * from './image-validity.js';
export {
  createJobService,
  type JobContext,
  type JobService,
  type JobServiceDeps,
  type JobSpec,
  type Recovery,
  type RecoveryOutcome,
} from './job-service.js';
export { shareOptions, mountCommand, NINEP_DEFAULTS, VIRTIOFS_DEFAULTS } from './share-options.js';
export { createImageOps, type ImageOps } from './image-ops.js';
export * from './share-path.js';
export * from './metrics-rates.js';
export * from './logger.js';
export * from './bench-matrix.js';
export { parseFio, type FioResult } from './bench-fio.js';
export { recommendations } from './bench-recommend.js';
export { parseReferenceCsv, hostRatios, ARTICLE_RATIOS } from './bench-reference.js';
export { runBenchmark, mountOptions, type BenchLab, type BenchGuest, type BenchReach, type BenchRunHooks } from './bench-runner.js';
export { cachedOpenCheck, type OpenProbe } from './image-open-cache.js';
export { lostShareWarning } from './vm-warnings.js';
export type { SupervisionAudit } from './vm-context.js';
export { encodeAgentRequest, decodeAgentReply, guestAgentOver, type AgentLineCall } from './agent-wire.js';
export type { VmClones } from './vm-clone.js';
export { hostBooted, autostartOrder, type BootIds, type AutostartReport } from './autostart.js';
