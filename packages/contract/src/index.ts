export * from './common.js';
export * from './auth.js';
export * from './host.js';
export * from './images.js';
export * from './vms.js';
export * from './events.js';
export * from './jobs.js';
export * from './shares.js';
