import type { CpuTopology, HostInfo } from '@strata/contract';
import { Field, TextInput, inputClass } from '../../components/field';

export type Accel = 'auto' | 'kvm' | 'tcg';

/** vCPUs online, and behind a disclosure the topology they sit in and the accelerator. */
export function CpuFields({
  host,
  vcpus,
  setVcpus,
  topology,
  setTopology,
  accelerator,
  setAccelerator,
  overThreads,
  setOverThreads,
  advanced,
  setAdvanced,
  errorFor,
}: {
  host: HostInfo | undefined;
  vcpus: number;
  setVcpus: (n: number) => void;
  topology: CpuTopology;
  setTopology: (t: CpuTopology) => void;
  accelerator: Accel;
  setAccelerator: (a: Accel) => void;
  overThreads: boolean;
  setOverThreads: (on: boolean) => void;
  advanced: boolean;
  setAdvanced: (open: boolean) => void;
  errorFor: (field: string) => string | undefined;
}) {
  const threads = host?.cpu.logicalCpus;
  const count = (key: keyof CpuTopology) => (e: { target: { value: string } }) =>
    setTopology({ ...topology, [key]: Number(e.target.value) });
  return (
    <>
      <Field
        label="vCPUs"
        error={errorFor('vcpus')}
        hint={threads ? `Online at boot. This host has ${threads} threads (logical CPUs).` : 'Online at boot.'}
      >
        <TextInput name="vcpus" type="number" min={1} value={vcpus} onChange={(e) => setVcpus(Number(e.target.value))} />
      </Field>
      {threads !== undefined && vcpus > threads && (
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" className="mt-0.5" checked={overThreads} onChange={(e) => setOverThreads(e.target.checked)} />
          <span>
            Give it {vcpus} vCPUs anyway, more than the host&apos;s {threads} threads: vCPU threads then wait for each other, and the guest
            runs slower, not faster.
          </span>
        </label>
      )}
      <details
        open={advanced}
        onToggle={(e) => setAdvanced(e.currentTarget.open)}
        className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-800"
      >
        <summary className="cursor-pointer text-sm font-medium">Advanced: CPU topology and accelerator</summary>
        <div className="mt-3 space-y-3">
          <p className="text-xs text-slate-500 dark:text-slate-400">
            The topology is the most vCPUs the VM can have (sockets × cores × threads); more can be brought online later, up to it.
            Unchanged, it is one socket with one core per vCPU.
          </p>
          <div className="grid grid-cols-3 gap-3">
            <Field label="Sockets" error={errorFor('sockets')}>
              <TextInput name="sockets" type="number" min={1} value={topology.sockets} onChange={count('sockets')} />
            </Field>
            <Field label="Cores" error={errorFor('cores')}>
              <TextInput name="cores" type="number" min={1} value={topology.cores} onChange={count('cores')} />
            </Field>
            <Field label="Threads" error={errorFor('threads')}>
              <TextInput name="threads" type="number" min={1} value={topology.threads} onChange={count('threads')} />
            </Field>
          </div>
          <Field
            label="Accelerator"
            error={errorFor('accelerator')}
            hint={host ? `Automatic picks ${host.accelerator.selected.toUpperCase()} on this host` : undefined}
          >
            <select name="accelerator" className={inputClass} value={accelerator} onChange={(e) => setAccelerator(e.target.value as Accel)}>
              <option value="auto">Automatic (KVM if it works, else TCG)</option>
              <option value="tcg">TCG (emulation)</option>
              <option value="kvm" disabled={host ? !host.accelerator.kvm.usable : false}>
                KVM{host && !host.accelerator.kvm.usable ? ' (not usable here)' : ''}
              </option>
            </select>
          </Field>
        </div>
      </details>
    </>
  );
}
