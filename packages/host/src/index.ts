export { run, runOk, CommandError, type RunOptions, type RunResult } from './run.js';
export { parseCpuinfo, parseMeminfo, parseVersion, type CpuTopologyInfo } from './cpuinfo.js';
export { probeStaticHost, VIRTIOFSD, BWRAP, BWRAP_MERGED_USR, type StaticHostInfo, type NumaNode } from './probe.js';
export { parseCpuList, formatCpuList, parseLastCpu, readAffinity, setAffinity, threadsOf } from './affinity.js';
export { readKsm, bridgeAvailability } from './ksm.js';
export { readTail } from './file-tail.js';
export { processesWithArg, commandLine, killAndWait, readPidFile } from './procs.js';
export { waitFor } from './wait.js';
export { taskCpuTicks, rssBytes, ioChars, namedThreads, parseProcStat, parseDiskstats } from './proc-stats.js';
export {
  openRootDir,
  openDirBeneath,
  openFileBeneath,
  openAt,
  lstatAt,
  removeAt,
  mkdirAt,
  createAt,
  fdPath,
  fdProcPath,
  BeneathError,
} from './beneath.js';
export { openShareDir, inertMountOf } from './share-dir.js';
export { protectShareRoots, releaseShareRoots } from './share-mounts.js';
export { scrubSetId } from './scrub.js';
export { noSetIdFilter } from './seccomp.js';
export {
  parseStat,
  procInfo,
  identify,
  isSameProcess,
  openProcess,
  childrenOf,
  pidNamespaceMembers,
  type ProcIdentity,
  type ProcInfo,
} from './proc-identity.js';
export { LineChannel, MAX_LINE_BYTES, type LineReply, type LineCallOptions, type LineChannelOptions } from './line-channel.js';
export { removeTreeBeneath } from './remove-tree.js';
