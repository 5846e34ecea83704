export { run, runOk, isAlive, CommandError, type RunOptions, type RunResult } from './run.js';
export { parseCpuinfo, parseMeminfo, parseVersion, type CpuTopologyInfo } from './cpuinfo.js';
export { probeStaticHost, readNumaNodes, VIRTIOFSD, BWRAP, type StaticHostInfo, type NumaNode } from './probe.js';
export { parseCpuList, formatCpuList, parseLastCpu, readAffinity, setAffinity, threadsOf } from './affinity.js';
export { readKsm, bridgeAvailability } from './ksm.js';
export { readTail } from './file-tail.js';
export { processesWithArg, commandLine, killAndWait, readPidFile } from './procs.js';
export { waitFor } from './wait.js';
export { cpuTicks, taskCpuTicks, rssBytes, ioChars, namedThreads, parseProcStat, parseDiskstats } from './proc-stats.js';
