export { parseCowHeader, readCowHeader, COW_MAGIC, type CowHeader } from './cow-header.js';
export { umlSandboxArgv, umlPaths, umid, HOSTFS_ROOT, UML_KERNEL } from './uml-argv.js';
export { mconsole } from './mconsole.js';
export type { UmlIdentity } from './uml-identity.js';
export { createUmlDriver, type UmlDriverOptions } from './uml-driver.js';
export { umlMerge, verifyUmlMerge } from './uml-moo.js';
export { backingStamp, umlMergeInPlace, verifyUmlInPlace, type CowStamp } from './uml-in-place.js';
