import { useState } from 'react';
import type { PortForward, Vm, VmPatch } from '@strata/contract';
import {
  MEMORY_MIB_MAX,
  MEMORY_MIB_MIN,
  SHUTDOWN_TIMEOUT_SEC_MAX,
  SHUTDOWN_TIMEOUT_SEC_MIN,
  VCPUS_MAX,
  VM_NAME_MAX_LENGTH,
  VM_NAME_PATTERN,
} from '@strata/contract/vm-rules';
import { ApiError } from '../../api/client';
import { useCpuModels } from '../../api/get-cpu-models';
import { useHost } from '../../api/get-host';
import { useImages } from '../../api/get-images';
import { useVmMutations } from '../../api/vm-actions';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput, inputClass } from '../../components/field';
import { Notice } from '../../components/feedback';
import { formatMiB } from '../../components/format';
import { isActive, isRunning } from '../../shared/vm-state';

const BUS_LABEL: Record<Vm['capabilities']['diskBuses'][number], string> = { virtio: 'virtio-blk', scsi: 'virtio-scsi', ide: 'IDE' };
const NAME = new RegExp(VM_NAME_PATTERN);
const BOOT_ORDER = /^[acdn]{1,4}$/;
const whole = (n: number, min: number, max: number, say: (n: number) => string = String) =>
  !Number.isInteger(n) || n < min ? `At least ${say(min)} (a whole number).` : n > max ? `At most ${say(max)}.` : undefined;
const num = (set: (n: number) => void) => (e: { target: { value: string } }) => set(Number(e.target.value));

function Forwards({ value, onChange }: { value: PortForward[]; onChange: (f: PortForward[]) => void }) {
  const set = (i: number, patch: Partial<PortForward>) => onChange(value.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <div className="space-y-2">
      {value.map((f, i) => (
        <div key={i} className="flex items-center gap-2 text-sm">
          <select
            aria-label="Protocol"
            className={`${inputClass} w-20`}
            value={f.protocol}
            onChange={(e) => set(i, { protocol: e.target.value as 'tcp' | 'udp' })}
          >
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
          </select>
          <span className="text-slate-500">127.0.0.1:</span>
          <TextInput
            aria-label="Host port"
            type="number"
            className="w-24"
            value={f.hostPort}
            onChange={num((n) => set(i, { hostPort: n }))}
          />
          <span className="text-slate-500">→ guest</span>
          <TextInput
            aria-label="Guest port"
            type="number"
            className="w-24"
            value={f.guestPort}
            onChange={num((n) => set(i, { guestPort: n }))}
          />
          <Button variant="ghost" onClick={() => onChange(value.filter((_, j) => j !== i))}>
            Remove
          </Button>
        </div>
      ))}
      <Button onClick={() => onChange([...value, { protocol: 'tcp', hostPort: 2222, guestPort: 22 }])}>Add port forward</Button>
    </div>
  );
}

/** What a save does to a running VM: what changes now, and that the rest waits for a restart. */
function runningNote(vcpus: boolean, balloon: boolean): string {
  const now = [vcpus && 'more vCPUs are plugged in', balloon && 'the memory balloon moves'].filter(Boolean).join(' and ');
  return `The VM is running: ${now ? `${now} now, ` : ''}the name and shutdown timeout change at once, and everything else is kept as a pending change that applies when the VM restarts.`;
}

export function EditVmDialog({ vm, onClose }: { vm: Vm; onClose: () => void }) {
  const { update } = useVmMutations();
  const host = useHost().data;
  const models = useCpuModels().data?.models ?? [];
  const media = (useImages().data ?? []).filter((i) => i.format === 'raw');
  const live = isRunning(vm);
  // Starting or stopping: neither the live nor the stopped rules hold yet, so nothing is offered.
  const transitioning = isActive(vm) && !live;
  // Only what the VM's driver offers is shown and sent: its rules refuse the rest by name.
  const caps = vm.capabilities;
  const liveVcpus = caps.multiprocessor && caps.hotplug.vcpus;
  // A running VM's form starts from what its next start will use: the pending values over the running ones.
  const next = vm.pending ?? {};
  const [initial] = useState(() => ({
    name: vm.name,
    cpu: next.cpu ?? vm.cpu,
    vcpus: next.vcpus ?? vm.vcpus,
    cpuModel: (next.cpuModel === undefined ? vm.cpuModel : next.cpuModel) ?? '',
    memoryMiB: next.memoryMiB ?? vm.memoryMiB,
    balloonMiB: vm.balloonMiB ?? vm.memoryMiB,
    accelerator: next.accelerator ?? vm.accelerator,
    bus: next.disks?.[0]?.bus ?? vm.disks[0]?.bus ?? 'virtio',
    network: next.network ?? vm.network,
    boot: next.boot ?? vm.boot,
    shutdownTimeoutSec: vm.shutdownTimeoutSec,
    autostart: vm.autostart,
    cdrom: (next.cdrom === undefined ? vm.cdrom : next.cdrom) ?? '',
  }));
  const [form, setFormState] = useState(initial);
  const [error, setError] = useState<ApiError | null>(null);
  // A server refusal is about the values it was sent: once they change it no longer applies.
  const setForm = (next: typeof form) => {
    setFormState(next);
    setError(null);
  };
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => setForm({ ...form, [key]: value });
  const max = form.cpu.sockets * form.cpu.cores * form.cpu.threads;
  const setTopology = (key: 'sockets' | 'cores' | 'threads') =>
    num((n) => {
      const cpu = { ...form.cpu, [key]: n };
      setForm({ ...form, cpu, vcpus: cpu.sockets * cpu.cores * cpu.threads });
    });

  // The same rules the server's schemas hold (and the New VM dialog checks), so Save never sends a refusal.
  const count = (n: number) => whole(n, 1, VCPUS_MAX);
  const topology = max > VCPUS_MAX ? `${max} vCPUs in all: at most ${VCPUS_MAX} per VM.` : undefined;
  const badPort = form.network.forwards.some(
    (f) =>
      !Number.isInteger(f.hostPort) ||
      f.hostPort < 1 ||
      f.hostPort > 65535 ||
      !Number.isInteger(f.guestPort) ||
      f.guestPort < 1 ||
      f.guestPort > 65535,
  );
  const localErrors: Record<string, string | undefined> = {
    ...(live && caps.balloon ? { balloonMiB: whole(form.balloonMiB, MEMORY_MIB_MIN, vm.memoryMiB, formatMiB) } : {}),
    name: !NAME.test(form.name)
      ? 'Use letters, digits, dots, dashes and underscores, starting with a letter or digit.'
      : form.name.length > VM_NAME_MAX_LENGTH
        ? `At most ${VM_NAME_MAX_LENGTH} characters.`
        : undefined,
    ...(caps.multiprocessor
      ? {
          'cpu.sockets': count(form.cpu.sockets) ?? topology,
          'cpu.cores': count(form.cpu.cores),
          'cpu.threads': count(form.cpu.threads),
          vcpus: topology ? undefined : whole(form.vcpus, 1, max),
        }
      : {}),
    memoryMiB:
      !Number.isInteger(form.memoryMiB) || form.memoryMiB < MEMORY_MIB_MIN
        ? `At least ${MEMORY_MIB_MIN} MiB: less is too little for the guest kernel.`
        : form.memoryMiB > MEMORY_MIB_MAX
          ? `At most ${formatMiB(MEMORY_MIB_MAX)}.`
          : undefined,
    ...(caps.bootOrder && !BOOT_ORDER.test(form.boot.order)
      ? { boot: '1 to 4 of the letters c (disk), d (CD-ROM), n (network) and a (floppy).' }
      : {}),
    shutdownTimeoutSec: whole(form.shutdownTimeoutSec, SHUTDOWN_TIMEOUT_SEC_MIN, SHUTDOWN_TIMEOUT_SEC_MAX, (n) => `${n} seconds`),
    ...(caps.network && form.network.mode === 'user' && badPort ? { network: 'Ports are whole numbers from 1 to 65535.' } : {}),
  };
  const serverErrorFor = (field: string) =>
    error?.field === `body.${field}` || error?.field?.startsWith(`body.${field}.`) ? error.message : undefined;
  const errorFor = (field: string) => localErrors[field] ?? serverErrorFor(field);
  /** Fields this form shows an error next to; a server error about any other is shown once, below the form. */
  const shown = [
    ...(live ? ['balloonMiB'] : []),
    'name',
    'cpu.sockets',
    'cpu.cores',
    'cpu.threads',
    'vcpus',
    'cpuModel',
    'accelerator',
    'memoryMiB',
    'disks',
    'boot',
    'shutdownTimeoutSec',
    'autostart',
    'cdrom',
    'network',
  ];
  const firstLocal = Object.values(localErrors).find((e) => e);

  const patchOf = (f: typeof form): VmPatch =>
    transitioning
      ? {}
      : {
          ...(live && caps.balloon ? { balloonMiB: f.balloonMiB >= vm.memoryMiB ? null : f.balloonMiB } : {}),
          name: f.name,
          ...(caps.multiprocessor ? { cpu: f.cpu, vcpus: f.vcpus } : {}),
          ...(caps.cpuModels ? { cpuModel: f.cpuModel || null } : {}),
          memoryMiB: f.memoryMiB,
          ...(caps.accelerators ? { accelerator: f.accelerator } : {}),
          ...(caps.network ? { network: f.network } : {}),
          ...(caps.bootOrder ? { boot: f.boot } : {}),
          shutdownTimeoutSec: f.shutdownTimeoutSec,
          autostart: f.autostart,
          ...(caps.diskBuses.length > 0 ? { disks: vm.disks.map((d) => ({ id: d.id, bus: f.bus })) } : {}),
          ...(caps.cdrom ? { cdrom: f.cdrom || null } : {}),
        };
  const patch = patchOf(form);
  const editable = Object.keys(patch).length > 0;
  const changed = JSON.stringify(patch) !== JSON.stringify(patchOf(initial));
  const blocked = !editable
    ? 'Nothing here can change now.'
    : firstLocal
      ? 'Fix the marked fields to save.'
      : !changed
        ? 'Nothing changed yet.'
        : null;

  const save = () => {
    if (blocked) return;
    update.mutate(
      { id: vm.id, patch },
      { onSuccess: onClose, onError: (e) => setError(e instanceof ApiError ? e : new ApiError(0, 'error', e.message)) },
    );
  };

  return (
    <Dialog
      title={`Edit ${vm.name}`}
      onClose={onClose}
      footer={
        <>
          {editable && blocked && (
            <span id="edit-vm-blocked" className="mr-auto text-xs text-slate-500 dark:text-slate-400">
              {blocked}
            </span>
          )}
          <Button onClick={onClose}>{editable ? 'Cancel' : 'Close'}</Button>
          {editable && (
            <Button
              variant="primary"
              disabled={update.isPending || blocked !== null}
              aria-describedby={blocked ? 'edit-vm-blocked' : undefined}
              onClick={save}
            >
              {update.isPending ? 'Saving…' : 'Save'}
            </Button>
          )}
        </>
      }
    >
      {transitioning ? (
        <Notice>The VM is {vm.state}: its settings can be edited once it has started or stopped.</Notice>
      ) : (
        <>
          {live && <Notice>{runningNote(liveVcpus, caps.balloon)}</Notice>}
          {live && caps.balloon && (
            <Field
              label={`Memory the guest may use now (MiB, of ${vm.memoryMiB})`}
              error={errorFor('balloonMiB')}
              hint="The rest goes back to the host until you raise it again (the memory balloon)."
            >
              <TextInput
                name="balloonMiB"
                type="number"
                min={MEMORY_MIB_MIN}
                max={vm.memoryMiB}
                value={form.balloonMiB}
                onChange={num((n) => set('balloonMiB', n))}
              />
            </Field>
          )}
          <div className="max-h-[65vh] space-y-4 overflow-y-auto pr-1">
            <Field label="Name" error={errorFor('name')}>
              <TextInput name="name" value={form.name} onChange={(e) => set('name', e.target.value)} />
            </Field>
            {caps.multiprocessor && (
              <>
                <div className="grid grid-cols-4 gap-3">
                  <Field label="Sockets" error={errorFor('cpu.sockets')}>
                    <TextInput name="sockets" type="number" min={1} value={form.cpu.sockets} onChange={setTopology('sockets')} />
                  </Field>
                  <Field label="Cores" error={errorFor('cpu.cores')}>
                    <TextInput name="cores" type="number" min={1} value={form.cpu.cores} onChange={setTopology('cores')} />
                  </Field>
                  <Field label="Threads" error={errorFor('cpu.threads')}>
                    <TextInput name="threads" type="number" min={1} value={form.cpu.threads} onChange={setTopology('threads')} />
                  </Field>
                  <Field label="vCPUs at boot" error={errorFor('vcpus')}>
                    <TextInput name="vcpus" type="number" min={1} max={max} value={form.vcpus} onChange={num((n) => set('vcpus', n))} />
                  </Field>
                </div>
                <p className="-mt-2 text-xs text-slate-500">
                  Up to {max} vCPUs (sockets × cores × threads); the rest can be plugged in while running.
                </p>
                {host && max > host.cpu.logicalCpus && (
                  <Notice tone="warn">
                    {max} vCPUs exceed this host's {host.cpu.logicalCpus} logical CPUs: giving one VM more vCPUs than the host has slows it
                    down badly.
                  </Notice>
                )}
              </>
            )}
            <div className="grid grid-cols-2 gap-3">
              {caps.cpuModels && (
                <Field label="CPU model" error={errorFor('cpuModel')} hint="QEMU's default is qemu64">
                  <select name="cpuModel" className={inputClass} value={form.cpuModel} onChange={(e) => set('cpuModel', e.target.value)}>
                    <option value="">default</option>
                    {models.map((m) => (
                      <option key={m.name} value={m.name}>
                        {m.name}
                        {m.description && !m.description.startsWith('(') ? ` — ${m.description}` : ''}
                      </option>
                    ))}
                  </select>
                </Field>
              )}
              {caps.accelerators && (
                <Field label="Accelerator" error={errorFor('accelerator')}>
                  <select
                    name="accelerator"
                    className={inputClass}
                    value={form.accelerator}
                    onChange={(e) => set('accelerator', e.target.value as Vm['accelerator'])}
                  >
                    <option value="auto">Automatic (KVM if it works, else TCG)</option>
                    <option value="tcg">TCG</option>
                    <option value="kvm" disabled={host ? !host.accelerator.kvm.usable : false}>
                      KVM
                    </option>
                  </select>
                </Field>
              )}
              <Field
                label="Memory (MiB)"
                error={errorFor('memoryMiB')}
                hint={form.memoryMiB >= 1024 ? `= ${formatMiB(form.memoryMiB)}` : undefined}
              >
                <TextInput
                  name="memoryMiB"
                  type="number"
                  min={MEMORY_MIB_MIN}
                  value={form.memoryMiB}
                  onChange={num((n) => set('memoryMiB', n))}
                />
              </Field>
              {caps.diskBuses.length > 0 && (
                <Field label="Disk bus" error={errorFor('disks')} hint="virtio is much faster than emulated IDE">
                  <select
                    name="bus"
                    className={inputClass}
                    value={form.bus}
                    onChange={(e) => set('bus', e.target.value as typeof form.bus)}
                  >
                    {caps.diskBuses.map((b) => (
                      <option key={b} value={b}>
                        {BUS_LABEL[b]}
                      </option>
                    ))}
                  </select>
                </Field>
              )}
              {caps.bootOrder && (
                <Field label="Boot order" error={errorFor('boot')} hint="Letters in the order tried: c disk, d CD-ROM, n network">
                  <TextInput
                    name="bootOrder"
                    value={form.boot.order}
                    onChange={(e) => set('boot', { ...form.boot, order: e.target.value })}
                  />
                </Field>
              )}
              <Field
                label="Shutdown timeout (s)"
                error={errorFor('shutdownTimeoutSec')}
                hint="How long a shut down waits for the guest before the VM is stopped by force"
              >
                <TextInput
                  name="shutdownTimeoutSec"
                  type="number"
                  min={SHUTDOWN_TIMEOUT_SEC_MIN}
                  max={SHUTDOWN_TIMEOUT_SEC_MAX}
                  value={form.shutdownTimeoutSec}
                  onChange={num((n) => set('shutdownTimeoutSec', n))}
                />
              </Field>
            </div>
            <label className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                name="autostart"
                className="mt-0.5"
                checked={form.autostart}
                onChange={(e) => set('autostart', e.target.checked)}
              />
              <span>
                Start with the host
                <span className="block text-slate-500">
                  When Strata comes up after the host booted, it starts this VM (VMs marked so start oldest first).
                </span>
              </span>
            </label>
            {caps.cdrom && (
              <Field label="CD-ROM" error={errorFor('cdrom')} hint="A raw image (ISO) in the IDE CD-ROM drive, read-only">
                <select name="cdrom" className={inputClass} value={form.cdrom} onChange={(e) => set('cdrom', e.target.value)}>
                  <option value="">empty</option>
                  {media.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </Field>
            )}
            {caps.network && (
              <Field label="Network" error={errorFor('network')}>
                <select
                  name="network"
                  className={inputClass}
                  value={form.network.mode}
                  onChange={(e) => set('network', { ...form.network, mode: e.target.value as 'user' | 'none' })}
                >
                  <option value="user">user-mode (NAT, port forwards)</option>
                  <option value="none">none</option>
                  <option value="bridge" disabled>
                    bridge — {host?.network.bridge.reason ?? 'unavailable'}
                  </option>
                </select>
              </Field>
            )}
            {caps.network && form.network.mode === 'user' && (
              <Forwards value={form.network.forwards} onChange={(forwards) => set('network', { ...form.network, forwards })} />
            )}
            {caps.network && form.network.mode === 'user' && errorFor('network') && (
              <p role="alert" className="text-xs text-red-600 dark:text-red-400">
                {errorFor('network')}
              </p>
            )}
          </div>
        </>
      )}
      {error && !shown.some((f) => serverErrorFor(f)) && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error.message}
        </p>
      )}
    </Dialog>
  );
}
