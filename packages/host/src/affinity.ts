import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { runOk } from './run.js';

/** "0-2,5" → [0, 1, 2, 5] (the kernel's cpu-list format, as in Cpus_allowed_list). */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',').filter(Boolean)) {
    const [from, to] = part.split('-').map(Number);
    for (let c = from!; c <= (to ?? from!); c++) cpus.push(c);
  }
  return cpus;
}

export const formatCpuList = (cpus: number[]): string => [...new Set(cpus)].sort((a, b) => a - b).join(',');

/** Field 39 of /proc/<pid>/task/<tid>/stat is the CPU the thread last ran on (ps -eLo psr). */
export function parseLastCpu(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[39 - 3]);
}

/** A thread of `pid`, or (UML: a VM is several processes) a process of its own when it is not one. */
export function readAffinity(pid: number, tid: number): { affinity: number[]; lastCpu: number } {
  const base = existsSync(`/proc/${pid}/task/${tid}`) ? `/proc/${pid}/task/${tid}` : `/proc/${tid}`;
  const status = readFileSync(`${base}/status`, 'utf8');
  const list = status.match(/^Cpus_allowed_list:\s*(\S+)/m)?.[1] ?? '';
  return { affinity: parseCpuList(list), lastCpu: parseLastCpu(readFileSync(`${base}/stat`, 'utf8')) };
}

/** sched_setaffinity on one thread, through util-linux's taskset. */
export async function setAffinity(tid: number, cpus: number[]): Promise<void> {
  await runOk(['taskset', '--pid', '--cpu-list', formatCpuList(cpus), String(tid)]);
}

export function threadsOf(pid: number): number[] {
  return existsSync(`/proc/${pid}/task`) ? readdirSync(`/proc/${pid}/task`).map(Number) : [];
}
