import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import type { Vm, VmCreate } from '@strata/contract';
import { MEMORY_MIB_MAX, MEMORY_MIB_MIN, VCPUS_MAX, VM_NAME_MAX_LENGTH, VM_NAME_PATTERN } from '@strata/contract/vm-rules';
import { ApiError, api } from '../../api/client';
import { useHost } from '../../api/get-host';
import { useImages } from '../../api/get-images';
import { keys } from '../../api/keys';
import { useShares } from '../../api/share-actions';
import { useVmMutations } from '../../api/vm-actions';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput, inputClass } from '../../components/field';
import { Notice } from '../../components/feedback';
import { formatMiB } from '../../components/format';
import { CpuFields, type Accel } from './create-vm-cpu';
import { CreatedWithErrors, DiskSizeField, SharePicker } from './create-vm-extras';
import { memoryNotes, simpleTopology, transportFor, uniqueTags } from './create-vm-rules';
import { UmlFields } from './create-vm-uml';

const NAME = new RegExp(VM_NAME_PATTERN);
/** Fields the form shows a server error next to; an error about any other field is shown below the form. */
const SHOWN = [
  'name',
  'image',
  'umlRootShareId',
  'umlMemoryDir',
  'vcpus',
  'sockets',
  'cores',
  'threads',
  'memoryMiB',
  'accelerator',
  'diskSizeGiB',
];
const ADVANCED = ['sockets', 'cores', 'threads', 'accelerator'];

function nextName(vms: Vm[]): string {
  const taken = new Set(vms.map((v) => v.name));
  let n = 1;
  while (taken.has(`vm-${n}`)) n++;
  return `vm-${n}`;
}

/** `initialImage` preselects the image to stand on: a linked clone of it. */
export function CreateVmDialog({ vms, onClose, initialImage }: { vms: Vm[]; onClose: () => void; initialImage?: string }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { create } = useVmMutations();
  const host = useHost().data;
  const all = useImages().data ?? [];
  const shares = useShares().data ?? [];
  const [hypervisor, setHypervisor] = useState<'qemu' | 'uml'>('qemu');
  const uml = hypervisor === 'uml';
  const defaultImage = uml ? 'strata-mini-raw' : 'strata-mini';
  const bases = all.filter((i) => (i.ownerVmId === null || i.id === initialImage) && i.format === (uml ? 'raw' : 'qcow2'));
  const [name, setName] = useState(() => nextName(vms));
  const [image, setImage] = useState(initialImage ?? 'strata-mini');
  const [memoryDir, setMemoryDir] = useState('');
  const [rootShare, setRootShare] = useState('');
  const [vcpus, setVcpus] = useState(1);
  const [topology, setTopology] = useState<VmCreate['cpu'] | null>(null);
  const [advanced, setAdvanced] = useState(false);
  const [overThreads, setOverThreads] = useState(false);
  const [memoryMiB, setMemory] = useState(256);
  const [accelerator, setAccelerator] = useState<Accel>('auto');
  const [diskGiB, setDiskGiB] = useState('');
  const [chosenShares, setChosenShares] = useState<string[]>([]);
  const [startAfter, setStartAfter] = useState(false);
  const [step, setStep] = useState<string | null>(null);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [afterErrors, setAfterErrors] = useState<{ vm: Vm; errors: string[] } | null>(null);

  const cpu = topology ?? simpleTopology(vcpus);
  const maxVcpus = cpu.sockets * cpu.cores * cpu.threads;
  const threads = host?.cpu.logicalCpus;
  const baseImage = all.find((i) => i.id === image) ?? all.find((i) => i.name === image && i.ownerVmId === null);
  const diskSize = diskGiB.trim() === '' ? null : Number(diskGiB);
  const whole = (n: number) => (!Number.isInteger(n) || n < 1 ? 'At least 1 (a whole number).' : undefined);
  const localErrors: Record<string, string | undefined> = {
    vcpus: uml
      ? undefined
      : (whole(vcpus) ??
        (vcpus > VCPUS_MAX
          ? `At most ${VCPUS_MAX} per VM.`
          : vcpus > maxVcpus
            ? `At most ${maxVcpus}: the topology under Advanced holds ${maxVcpus}.`
            : threads !== undefined && vcpus > threads && !overThreads
              ? `More than this host's ${threads} threads: tick the box below to give it that many anyway.`
              : undefined)),
    sockets:
      uml || !topology
        ? undefined
        : (whole(cpu.sockets) ?? (maxVcpus > VCPUS_MAX ? `${maxVcpus} vCPUs in all: at most ${VCPUS_MAX}.` : undefined)),
    cores: uml || !topology ? undefined : whole(cpu.cores),
    threads: uml || !topology ? undefined : whole(cpu.threads),
    name: !NAME.test(name)
      ? 'Use letters, digits, dots, dashes and underscores, starting with a letter or digit.'
      : name.length > VM_NAME_MAX_LENGTH
        ? `At most ${VM_NAME_MAX_LENGTH} characters.`
        : vms.some((v) => v.name === name)
          ? 'Another VM already has this name.'
          : undefined,
    memoryMiB:
      memoryMiB < MEMORY_MIB_MIN
        ? `At least ${MEMORY_MIB_MIN} MiB: less is too little for the guest kernel.`
        : memoryMiB > MEMORY_MIB_MAX
          ? `At most ${formatMiB(MEMORY_MIB_MAX)}.`
          : undefined,
    diskSizeGiB:
      uml || diskSize === null
        ? undefined
        : (whole(diskSize) ??
          (baseImage && diskSize * 1024 ** 3 < baseImage.virtualSize
            ? `At least the image's size, ${Math.ceil(baseImage.virtualSize / 1024 ** 3)} GiB: disks only grow.`
            : undefined)),
  };
  const errorFor = (field: string) => localErrors[field] ?? (serverError?.field?.endsWith(field) ? serverError.message : undefined);
  const valid = Object.values(localErrors).every((e) => !e);
  const busy = step !== null;
  const notes = host ? memoryNotes(memoryMiB, host.memory, vms) : [];
  const transport = transportFor(hypervisor, host?.shares.virtiofs.available ?? false);

  /** Shares, then the start: the VM exists by now, so a failure here is reported, not undone. */
  const finish = async (vm: Vm) => {
    const errors: string[] = [];
    const picked = shares.filter((s) => chosenShares.includes(s.id));
    const tags = uniqueTags(picked.map((s) => s.name));
    for (const [i, share] of picked.entries()) {
      setStep(`Attaching ${share.name}…`);
      await api<Vm>('POST', `/vms/${vm.id}/shares`, { shareId: share.id, transport, tag: tags[i] }).catch((e: Error) =>
        errors.push(`attaching share ${share.name}: ${e.message}`),
      );
    }
    if (startAfter && errors.length === 0) {
      setStep('Starting…');
      await api<Vm>('POST', `/vms/${vm.id}/start`).catch((e: Error) => errors.push(`starting: ${e.message}`));
    }
    void qc.invalidateQueries({ queryKey: keys.vms });
    void qc.invalidateQueries({ queryKey: keys.shares });
    setStep(null);
    if (errors.length === 0) void navigate(`/vms/${vm.id}`);
    else setAfterErrors({ vm, errors });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || busy) return;
    setServerError(null);
    setStep('Creating…');
    const body: VmCreate = uml
      ? {
          name,
          hypervisor,
          image,
          memoryMiB,
          network: { mode: 'none', forwards: [] },
          ...(memoryDir ? { umlMemoryDir: memoryDir } : {}),
          ...(rootShare ? { umlRootShareId: rootShare } : {}),
        }
      : { name, image, cpu, vcpus, memoryMiB, accelerator, ...(diskSize !== null ? { diskSizeGiB: diskSize } : {}) };
    create.mutate(body, {
      onSuccess: (vm) => void finish(vm),
      onError: (err) => {
        setStep(null);
        const apiError = err instanceof ApiError ? err : new ApiError(0, 'error', err.message);
        setServerError(apiError);
        if (ADVANCED.some((f) => apiError.field?.endsWith(f))) setAdvanced(true);
      },
    });
  };

  if (afterErrors) return <CreatedWithErrors vm={afterErrors.vm} errors={afterErrors.errors} onClose={onClose} />;

  return (
    <Dialog
      title="New virtual machine"
      onClose={() => !busy && onClose()}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="create-vm" disabled={!valid || busy}>
            {step ?? (startAfter ? 'Create and start' : 'Create')}
          </Button>
        </>
      }
    >
      <form id="create-vm" onSubmit={submit} className="space-y-4">
        <Field label="Name" error={errorFor('name')}>
          <TextInput name="name" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <Field
          label="Hypervisor"
          hint={
            uml
              ? 'User-Mode Linux: the guest kernel runs as host processes, in a sandbox, as an unprivileged user.'
              : 'QEMU with KVM where usable, else TCG emulation.'
          }
        >
          <select
            name="hypervisor"
            className={inputClass}
            value={hypervisor}
            onChange={(e) => {
              const next = e.target.value as 'qemu' | 'uml';
              setHypervisor(next);
              setImage(next === 'uml' ? 'strata-mini-raw' : 'strata-mini');
              setChosenShares([]);
            }}
          >
            <option value="qemu">QEMU</option>
            <option value="uml" disabled={host ? !host.tools.umlKernel : false}>
              User-Mode Linux{host && !host.tools.umlKernel ? ' (linux.uml not installed)' : ''}
            </option>
          </select>
        </Field>
        <Field
          label="Image"
          error={errorFor('image')}
          hint={
            uml
              ? 'A raw base: UML makes its COW file on it at the first start; the base is never written.'
              : 'The VM writes to its own layer on top of this image; the image itself is never changed.'
          }
        >
          <select name="image" className={inputClass} value={image} onChange={(e) => setImage(e.target.value)}>
            {bases.length === 0 && <option value={defaultImage}>{defaultImage}</option>}
            {bases.map((b) => (
              <option key={b.id} value={b.name === defaultImage && b.id !== initialImage ? defaultImage : b.id}>
                {b.snapshot ? `${b.name} (snapshot ${b.snapshot.name})` : b.name}
              </option>
            ))}
          </select>
        </Field>
        {uml ? (
          <UmlFields
            shares={shares}
            rootShare={rootShare}
            setRootShare={setRootShare}
            memoryDir={memoryDir}
            setMemoryDir={setMemoryDir}
            errorFor={errorFor}
          />
        ) : (
          <CpuFields
            host={host}
            vcpus={vcpus}
            setVcpus={setVcpus}
            topology={cpu}
            setTopology={setTopology}
            accelerator={accelerator}
            setAccelerator={setAccelerator}
            overThreads={overThreads}
            setOverThreads={setOverThreads}
            advanced={advanced}
            setAdvanced={setAdvanced}
            errorFor={errorFor}
          />
        )}
        <Field label="Memory (MiB)" error={errorFor('memoryMiB')} hint={memoryMiB >= 1024 ? `= ${formatMiB(memoryMiB)}` : undefined}>
          <TextInput
            name="memoryMiB"
            type="number"
            min={MEMORY_MIB_MIN}
            value={memoryMiB}
            onChange={(e) => setMemory(Number(e.target.value))}
          />
        </Field>
        {notes.map((n) => (
          <Notice key={n.text} tone={n.tone}>
            <span data-testid="memory-note">{n.text}</span>
          </Notice>
        ))}
        <DiskSizeField
          uml={uml}
          value={diskGiB}
          onChange={setDiskGiB}
          imageBytes={baseImage?.virtualSize}
          error={errorFor('diskSizeGiB')}
        />
        <SharePicker shares={shares} chosen={chosenShares} onChange={setChosenShares} transport={transport} />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={startAfter} onChange={(e) => setStartAfter(e.target.checked)} />
          Start it once created
        </label>
        {serverError && !SHOWN.some((f) => serverError.field?.endsWith(f)) && <Notice tone="warn">{serverError.message}</Notice>}
      </form>
    </Dialog>
  );
}
