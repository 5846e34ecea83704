export { buildQemuArgv, escapeOption, processName, vmPaths, QEMU_BINARY } from './argv.js';
export { QmpClient, QmpError, type QmpEvent } from './qmp-client.js';
export {
  checkImage,
  checkReport,
  convertImage,
  createBlank,
  createOverlay,
  imageInfo,
  UNTRUSTED_INFO,
  ImageFormatError,
  parseConvertProgress,
  resizeImage,
  sameContent,
  type QemuImgInfo,
} from './qemu-img.js';
export { commitAndVerify, commitInPlace, mapImage, verifyCommit, type MapExtent } from './qemu-commit.js';
export { streamInPlace } from './qemu-stream.js';
export { ImportFormatError, sniffFormat, sniffFormatFd, type SniffedFormat } from './image-magic.js';
export { referenceProblem } from './image-refs.js';
export { createQemuDriver } from './qemu-driver.js';
export { probeKvm, type KvmVerdict } from './kvm-probe.js';
export { waitFor } from '@strata/host';
export { listCpuModels, parseCpuHelp } from './cpu-models.js';
export { virtiofsdArgv, virtiofsdPaths, virtiofsdProcesses, daemonPidFile } from './virtiofsd.js';
