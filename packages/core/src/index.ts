export * from './errors.js';
export * from './vm-state.js';
export * from './vm-spec.js';
export * from './records.js';
export * from './ports.js';
export * from './image-chain.js';
export * from './keyed-mutex.js';
export { createVmService, type VmService, type VmServiceDeps } from './vm-service.js';
export { createImageService, type ImageService } from './image-service.js';
