export { ensureGuestImage, type GuestArtifacts } from './build.js';
export { IMAGE_NAME } from './recipe.js';
export { INIT_MARKER, PROBE_MARKER, READY_MARKER, PROMPT } from './scripts.js';
export { writeCpio, cpioDir, cpioFile, cpioSymlink } from './cpio.js';
export { moduleDepends, loadOrder } from './modinfo.js';
export { parseLdd } from './ldd.js';
