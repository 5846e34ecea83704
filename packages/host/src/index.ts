export { run, runOk, isAlive, CommandError, type RunOptions, type RunResult } from './run.js';
export { parseCpuinfo, parseMeminfo, parseVersion, type CpuTopologyInfo } from './cpuinfo.js';
export { probeStaticHost, readNumaNodes, VIRTIOFSD, BWRAP, type StaticHostInfo, type NumaNode } from './probe.js';
export { parseCpuList, formatCpuList, parseLastCpu, readAffinity, setAffinity, threadsOf } from './affinity.js';
export { readKsm, bridgeAvailability } from './ksm.js';
export { readTail } from './file-tail.js';
export { processesWithArg, commandLine, killAndWait, readPidFile } from './procs.js';
export { waitFor } from './wait.js';
export { cpuTicks, taskCpuTicks, rssBytes, ioChars, namedThreads, parseProcStat, parseDiskstats } from './proc-stats.js';
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
export { openShareDir, mountIdOf, inertMountOf } from './share-dir.js';
export { parseMountinfo, readMountinfo, topMountAt, mountById, type MountEntry } from './mountinfo.js';
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
