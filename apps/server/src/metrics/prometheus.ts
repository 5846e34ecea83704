import type { HostSample, VmSample } from '@strata/contract';

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) =>
  Object.keys(l).length === 0
    ? ''
    : `{${Object.entries(l)
        .map(([k, v]) => `${k}="${label(v)}"`)
        .join(',')}}`;

/** The latest samples in the Prometheus text exposition format (version 0.0.4), as gauges. */
export function renderPrometheus(samples: VmSample[], host: HostSample | null, names: Map<string, string>): string {
  const metrics = new Map<string, { help: string; lines: string[] }>();
  const put = (name: string, help: string, l: Record<string, string>, value: number) => {
    const m = metrics.get(name) ?? { help, lines: [] };
    m.lines.push(`${name}${labels(l)} ${Number.isFinite(value) ? value : 0}`);
    metrics.set(name, m);
  };
  for (const s of samples) {
    const vm = { vm: names.get(s.vmId) ?? s.vmId, vm_id: s.vmId };
    put('strata_vm_memory_rss_bytes', 'Resident memory of the VM process', vm, s.rssBytes);
    for (const c of s.cpu)
      put('strata_vcpu_cpu_percent', 'Host CPU used by a vCPU, 100 = one CPU', { ...vm, vcpu: String(c.index) }, c.percent);
    for (const d of s.disks) {
      const l = { ...vm, disk: d.id };
      put('strata_disk_read_bytes_per_second', 'Disk read throughput', l, d.readBps);
      put('strata_disk_write_bytes_per_second', 'Disk write throughput', l, d.writeBps);
      put('strata_disk_read_iops', 'Disk read operations per second', l, d.readIops);
      put('strata_disk_write_iops', 'Disk write operations per second', l, d.writeIops);
    }
    for (const x of s.shares) {
      const l = { ...vm, share: x.tag, transport: x.transport, exact: String(x.exact) };
      put('strata_share_read_bytes_per_second', 'Share read throughput (exact=false: the sum of several 9p shares)', l, x.readBps);
      put('strata_share_write_bytes_per_second', 'Share write throughput (exact=false: the sum of several 9p shares)', l, x.writeBps);
    }
  }
  if (host) {
    put('strata_host_cpu_percent', 'Host CPU busy, all CPUs', {}, host.cpuPercent);
    put('strata_host_memory_used_bytes', 'Host memory in use', {}, host.memUsedBytes);
    put(
      'strata_host_disk_read_bytes_per_second',
      'Read throughput of the disk holding the data directory',
      { device: host.disk.device },
      host.disk.readBps,
    );
    put(
      'strata_host_disk_write_bytes_per_second',
      'Write throughput of the disk holding the data directory',
      { device: host.disk.device },
      host.disk.writeBps,
    );
  }
  return [...metrics].map(([name, m]) => `# HELP ${name} ${m.help}\n# TYPE ${name} gauge\n${m.lines.join('\n')}\n`).join('');
}
