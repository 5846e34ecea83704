import type { Vm, VmSample } from '@strata/contract';
import { isRunning } from '../../shared/vm-state';

export const SORT_KEYS = ['name', 'state', 'cpu', 'memory', 'uptime', 'hypervisor'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const STATE_FILTERS = {
  all: 'All states',
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped or never started',
  busy: 'Starting or stopping',
  crashed: 'Crashed',
} as const;
export type StateFilter = keyof typeof STATE_FILTERS;
export const HYPERVISOR_FILTERS = { all: 'All hypervisors', qemu: 'QEMU', uml: 'User-Mode Linux' } as const;
export type HypervisorFilter = keyof typeof HYPERVISOR_FILTERS;

/** What the list shows, kept in the URL (?q=&state=&hv=&sort=&dir=), so a reload or a shared link shows the same. */
export interface ListQuery {
  q: string;
  state: StateFilter;
  hypervisor: HypervisorFilter;
  sort: SortKey;
  dir: 'asc' | 'desc';
}

export const DEFAULT_QUERY: ListQuery = { q: '', state: 'all', hypervisor: 'all', sort: 'name', dir: 'asc' };

const oneOf = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T =>
  value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;

/** Unknown values (an old link, a typo) fall back to the default rather than showing nothing. */
export function parseQuery(params: URLSearchParams): ListQuery {
  return {
    q: (params.get('q') ?? '').slice(0, 64),
    state: oneOf(params.get('state'), Object.keys(STATE_FILTERS) as StateFilter[], 'all'),
    hypervisor: oneOf(params.get('hv'), Object.keys(HYPERVISOR_FILTERS) as HypervisorFilter[], 'all'),
    sort: oneOf(params.get('sort'), SORT_KEYS, 'name'),
    dir: oneOf(params.get('dir'), ['asc', 'desc'] as const, 'asc'),
  };
}

/** The query as URL parameters, defaults left out; `keep` carries parameters of others (?clone=) through. */
export function queryParams(query: ListQuery, keep: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const out = new URLSearchParams(keep);
  const set = (key: string, value: string, fallback: string) => (value === fallback ? out.delete(key) : out.set(key, value));
  set('q', query.q, '');
  set('state', query.state, 'all');
  set('hv', query.hypervisor, 'all');
  set('sort', query.sort, 'name');
  set('dir', query.dir, 'asc');
  return out;
}

/**
 * The query with `patch` applied to the URL as it is now. The router re-renders in a transition, so two changes
 * in quick succession (State, then Hypervisor) would otherwise each patch the same older render, and the second
 * would undo the first.
 */
export function patchQuery(current: URLSearchParams, patch: (query: ListQuery) => Partial<ListQuery>): URLSearchParams {
  const query = parseQuery(current);
  return queryParams({ ...query, ...patch(query) }, current);
}

/** A header clicked again turns its order around; another header sorts ascending. */
export const sortToggle =
  (key: SortKey) =>
  (query: ListQuery): Partial<ListQuery> => ({ sort: key, dir: query.sort === key && query.dir === 'asc' ? 'desc' : 'asc' });

const inState: Record<StateFilter, (s: Vm['state']) => boolean> = {
  all: () => true,
  running: (s) => s === 'running',
  paused: (s) => s === 'paused',
  stopped: (s) => s === 'stopped' || s === 'defined',
  busy: (s) => s === 'starting' || s === 'stopping',
  crashed: (s) => s === 'crashed',
};

/** What a row shows besides the record: the newest sample's CPU and memory, and how long it has run. */
export interface RowFacts {
  vm: Vm;
  /** all vCPUs together, 100 = every vCPU busy; null when not running or not sampled yet */
  cpuPercent: number | null;
  memUsedBytes: number | null;
  uptimeMs: number | null;
}

export function rowFacts(vm: Vm, latest: VmSample | undefined, now: number): RowFacts {
  const live = isRunning(vm) && latest !== undefined;
  const cpu = live ? latest.cpu.reduce((sum, c) => sum + c.percent, 0) / Math.max(1, vm.vcpus) : null;
  const started = vm.startedAt === null ? NaN : Date.parse(vm.startedAt);
  return {
    vm,
    cpuPercent: cpu,
    memUsedBytes: live ? latest.rssBytes : null,
    uptimeMs: isRunning(vm) && Number.isFinite(started) ? Math.max(0, now - started) : null,
  };
}

export function filterVms(vms: Vm[], query: Pick<ListQuery, 'q' | 'state' | 'hypervisor'>): Vm[] {
  const needle = query.q.trim().toLowerCase();
  return vms.filter(
    (vm) =>
      (needle === '' || vm.name.toLowerCase().includes(needle)) &&
      inState[query.state](vm.state) &&
      (query.hypervisor === 'all' || vm.hypervisor === query.hypervisor),
  );
}

const STATE_ORDER: Vm['state'][] = ['running', 'paused', 'starting', 'stopping', 'crashed', 'stopped', 'defined'];
const keyOf: Record<SortKey, (r: RowFacts) => string | number | null> = {
  name: (r) => r.vm.name.toLowerCase(),
  state: (r) => STATE_ORDER.indexOf(r.vm.state),
  cpu: (r) => r.cpuPercent,
  memory: (r) => (r.memUsedBytes === null ? null : r.memUsedBytes / (r.vm.memoryMiB * 1048576)),
  uptime: (r) => r.uptimeMs,
  hypervisor: (r) => r.vm.hypervisor,
};

/** Sorted by one column; rows with no value (a stopped VM's CPU) go last either way, ties by name. */
export function sortRows<T extends RowFacts>(rows: T[], sort: SortKey, dir: 'asc' | 'desc'): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  const key = keyOf[sort];
  return [...rows].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else if (x !== y) return (x < y ? -1 : 1) * sign;
    return a.vm.name.localeCompare(b.vm.name);
  });
}

/** "3 d 4 h", "5 h 12 min", "12 min", "40 s". */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}
