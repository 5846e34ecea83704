import { useState } from 'react';
import type { Vm } from '@strata/contract';
import { useHost } from '../../api/get-host';
import { useVcpus } from '../../api/get-vcpus';
import { useVmMutations } from '../../api/vm-actions';
import { Button } from '../../components/button';
import { Card } from '../../components/card';
import { ErrorBanner } from '../../components/feedback';
import { isRunning } from '../../shared/vm-state';
import { useRole } from '../../shared/use-role';

/** vCPUs are host threads; pin them with sched_setaffinity and watch where they run. */
export function VcpuPanel({ vm }: { vm: Vm }) {
  const running = isRunning(vm);
  // whole-vm: one CPU set for every thread of the VM (UML), so no per-vCPU rows and no "other threads".
  const whole = vm.capabilities.vcpuPinning === 'whole-vm';
  const { data: vcpus } = useVcpus(vm.id, running);
  const hostCpus = useHost().data?.cpu.logicalCpus ?? 0;
  const { pin } = useVmMutations();
  const refusal = useRole().cannot('pin vCPUs');
  const [draft, setDraft] = useState(() => new Map(vm.pinning.vcpus.map((p) => [p.index, new Set(p.cpus)])));
  const [emulator, setEmulator] = useState(() => new Set(vm.pinning.emulatorCpus ?? []));
  const toggleEmulator = (cpu: number) => {
    const next = new Set(emulator);
    if (next.has(cpu)) next.delete(cpu);
    else next.add(cpu);
    setEmulator(next);
  };
  const toggle = (index: number, cpu: number) => {
    const next = new Map(draft);
    const set = new Set(next.get(index) ?? []);
    if (set.has(cpu)) set.delete(cpu);
    else set.add(cpu);
    if (set.size === 0) next.delete(index);
    else next.set(index, set);
    setDraft(next);
  };
  const apply = () =>
    pin.mutate({
      id: vm.id,
      pinning: {
        vcpus: [...draft].map(([index, cpus]) => ({ index, cpus: [...cpus].sort((a, b) => a - b) })),
        emulatorCpus: !whole && emulator.size > 0 ? [...emulator].sort((a, b) => a - b) : null,
      },
    });
  const rows = Array.from({ length: whole ? 1 : vm.maxVcpus }, (_, index) => ({ index, live: vcpus?.find((v) => v.index === index) }));

  return (
    <Card
      title="vCPUs and pinning"
      actions={
        <Button variant="primary" disabled={pin.isPending || refusal !== undefined} title={refusal} onClick={apply}>
          {pin.isPending ? 'Applying…' : 'Apply pinning'}
        </Button>
      }
    >
      {pin.error && (
        <div className="mb-3">
          <ErrorBanner error={pin.error} />
        </div>
      )}
      {/* At phone width the pin checkboxes make the table wider than the screen: it scrolls on its own. */}
      <div className="-mx-1 overflow-x-auto px-1">
        <table
          className="w-full text-sm [&_td]:pr-4 [&_td:last-child]:pr-0 [&_th]:pr-4 [&_th]:whitespace-nowrap [&_th:last-child]:pr-0"
          data-testid="vcpu-table"
        >
          <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="py-1.5">vCPU</th>
              <th>Thread</th>
              <th>Allowed host CPUs</th>
              <th>Last ran on</th>
              <th>Pin to</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {rows.map(({ index, live }) => (
              <tr key={index} data-testid={`vcpu-${index}`}>
                <td className="py-1.5 font-medium">{whole ? 'the whole VM' : index}</td>
                <td>{live?.threadId ?? <span className="text-slate-400">{running ? 'not plugged' : '—'}</span>}</td>
                <td data-testid={`vcpu-${index}-affinity`}>{live ? live.affinity.join(', ') : '—'}</td>
                <td>{live ? `CPU ${live.lastCpu}` : '—'}</td>
                <td className="space-x-2">
                  {Array.from({ length: hostCpus }, (_, cpu) => (
                    <label key={cpu} className="inline-flex items-center gap-1">
                      <input
                        type="checkbox"
                        aria-label={whole ? `pin the VM to CPU ${cpu}` : `pin vCPU ${index} to CPU ${cpu}`}
                        checked={draft.get(index)?.has(cpu) ?? false}
                        onChange={() => toggle(index, cpu)}
                      />
                      {cpu}
                    </label>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!whole && (
        <div className="mt-3 flex items-center justify-between border-t border-slate-100 pt-3 text-sm dark:border-slate-800">
          <span>Other QEMU threads (I/O, main loop)</span>
          <span className="space-x-2">
            {Array.from({ length: hostCpus }, (_, cpu) => (
              <label key={cpu} className="inline-flex items-center gap-1">
                <input
                  type="checkbox"
                  aria-label={`pin other threads to CPU ${cpu}`}
                  checked={emulator.has(cpu)}
                  onChange={() => toggleEmulator(cpu)}
                />
                {cpu}
              </label>
            ))}
          </span>
        </div>
      )}
      <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">
        {whole
          ? 'Unchecked, the VM may run on any host CPU. Pinning applies to every thread of the VM now if it runs, and again at every start.'
          : `Unchecked vCPUs may run on any host CPU. Pinning is applied to the vCPU threads now if the VM runs, and again at every start${vm.capabilities.hotplug.vcpus ? ' and hot-plug' : ''}.`}
      </p>
    </Card>
  );
}
