import { describe, expect, it } from 'vitest';
import type { Vm, VmSample } from '@strata/contract';
import {
  filterVms,
  formatUptime,
  parseQuery,
  patchQuery,
  queryParams,
  rowFacts,
  sortRows,
  sortToggle,
} from '../../src/features/vms/vm-list-query';

const vm = (name: string, state: Vm['state'], more: Partial<Vm> = {}): Vm =>
  ({ id: `id-${name}`, name, state, hypervisor: 'qemu', vcpus: 2, memoryMiB: 512, startedAt: null, ...more }) as Vm;
const sample = (cpu: number[], rssBytes: number): VmSample => ({
  vmId: 'x',
  ts: 0,
  intervalMs: 1000,
  cpu: cpu.map((percent, index) => ({ index, percent })),
  rssBytes,
  disks: [],
  shares: [],
});

describe('the VM list query in the URL', () => {
  it('reads known values, falls back to defaults for unknown ones, and writes back only what differs from them', () => {
    const q = parseQuery(new URLSearchParams('q=web&state=running&hv=uml&sort=cpu&dir=desc'));
    expect(q).toEqual({ q: 'web', state: 'running', hypervisor: 'uml', sort: 'cpu', dir: 'desc' });
    expect(parseQuery(new URLSearchParams('state=bogus&sort=;drop&dir=up'))).toEqual({
      q: '',
      state: 'all',
      hypervisor: 'all',
      sort: 'name',
      dir: 'asc',
    });
    const out = queryParams({ ...q, q: '', hypervisor: 'all' }, new URLSearchParams('clone=img1&q=old'));
    expect(out.toString()).toBe('clone=img1&state=running&sort=cpu&dir=desc');
  });
});

describe('patchQuery', () => {
  it('applies each change to the URL it is given, so a second quick change keeps the first', () => {
    // State set to all (drops state=running), then Hypervisor set to uml on the URL that change left.
    const afterState = patchQuery(new URLSearchParams('state=running&clone=img1'), () => ({ state: 'all' }));
    expect(afterState.toString()).toBe('clone=img1');
    const afterHv = patchQuery(afterState, () => ({ hypervisor: 'uml' }));
    expect(parseQuery(afterHv)).toMatchObject({ state: 'all', hypervisor: 'uml' });
    expect(afterHv.get('clone')).toBe('img1');
  });

  it('turns a sort around only when the same header is clicked again on the URL as it is now', () => {
    const byName = new URLSearchParams('');
    const desc = patchQuery(byName, sortToggle('name'));
    expect(desc.toString()).toBe('dir=desc');
    expect(patchQuery(desc, sortToggle('name')).toString()).toBe('');
    expect(patchQuery(desc, sortToggle('cpu')).toString()).toBe('sort=cpu');
  });
});

describe('filterVms', () => {
  const vms = [vm('web-1', 'running'), vm('web-2', 'defined'), vm('db', 'stopped', { hypervisor: 'uml' }), vm('Web-3', 'starting')];
  it('matches the name case-insensitively and groups states as the filter names them', () => {
    const names = (q: Parameters<typeof filterVms>[1]) => filterVms(vms, q).map((v) => v.name);
    expect(names({ q: 'WEB', state: 'all', hypervisor: 'all' })).toEqual(['web-1', 'web-2', 'Web-3']);
    expect(names({ q: '', state: 'stopped', hypervisor: 'all' })).toEqual(['web-2', 'db']);
    expect(names({ q: '', state: 'busy', hypervisor: 'all' })).toEqual(['Web-3']);
    expect(names({ q: '', state: 'all', hypervisor: 'uml' })).toEqual(['db']);
    expect(names({ q: 'web', state: 'stopped', hypervisor: 'uml' })).toEqual([]);
  });
});

describe('rowFacts and sortRows', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const a = rowFacts(vm('a', 'running', { startedAt: '2026-01-01T11:00:00Z' }), sample([50, 30], 100 * 1048576), now);
  const b = rowFacts(vm('b', 'running', { startedAt: '2026-01-01T11:59:00Z', memoryMiB: 128 }), sample([10, 0], 100 * 1048576), now);
  const c = rowFacts(vm('c', 'stopped', { startedAt: '2026-01-01T10:00:00Z' }), sample([99, 99], 1), now);

  it('gives CPU as a share of all vCPUs, memory and uptime only while running', () => {
    expect(a.cpuPercent).toBe(40);
    expect(a.uptimeMs).toBe(3600_000);
    expect(c).toMatchObject({ cpuPercent: null, memUsedBytes: null, uptimeMs: null });
  });

  it('sorts by a column either way, with VMs that have no value last both ways', () => {
    const names = (rows: ReturnType<typeof sortRows>) => rows.map((r) => r.vm.name);
    expect(names(sortRows([c, b, a], 'cpu', 'asc'))).toEqual(['b', 'a', 'c']);
    expect(names(sortRows([c, b, a], 'cpu', 'desc'))).toEqual(['a', 'b', 'c']);
    expect(names(sortRows([a, b, c], 'uptime', 'desc'))).toEqual(['a', 'b', 'c']);
    // Memory sorts by the share of what each is given: 100 MiB of 128 before 100 MiB of 512.
    expect(names(sortRows([a, b, c], 'memory', 'desc'))).toEqual(['b', 'a', 'c']);
    expect(names(sortRows([c, b, a], 'state', 'asc'))).toEqual(['a', 'b', 'c']);
    expect(names(sortRows([c, b, a], 'name', 'desc'))).toEqual(['c', 'b', 'a']);
  });

  it('says uptime in its largest units', () => {
    expect(formatUptime(40_000)).toBe('40 s');
    expect(formatUptime(12 * 60_000 + 5000)).toBe('12 min');
    expect(formatUptime(5 * 3600_000 + 12 * 60_000)).toBe('5 h 12 min');
    expect(formatUptime(3 * 86_400_000 + 4 * 3600_000)).toBe('3 d 4 h');
  });
});
