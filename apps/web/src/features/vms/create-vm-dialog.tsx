import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { Vm } from '@strata/contract';
import { MEMORY_MIB_MAX, MEMORY_MIB_MIN, VCPUS_MAX, VM_NAME_MAX_LENGTH, VM_NAME_PATTERN } from '@strata/contract/vm-rules';
import { ApiError } from '../../api/client';
import { useHost } from '../../api/get-host';
import { useImages } from '../../api/get-images';
import { useShares } from '../../api/share-actions';
import { useVmMutations } from '../../api/vm-actions';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput, inputClass } from '../../components/field';
import { Notice } from '../../components/feedback';
import { formatMiB } from '../../components/format';

const NAME = new RegExp(VM_NAME_PATTERN);
/** Fields the form shows a server error next to; an error about any other field is shown below the form. */
const SHOWN = ['name', 'image', 'umlRootShareId', 'umlMemoryDir', 'sockets', 'cores', 'threads', 'memoryMiB', 'accelerator'];

function nextName(vms: Vm[]): string {
  const taken = new Set(vms.map((v) => v.name));
  let n = 1;
  while (taken.has(`vm-${n}`)) n++;
  return `vm-${n}`;
}

/** `initialImage` preselects the image to stand on: a linked clone of it. */
export function CreateVmDialog({ vms, onClose, initialImage }: { vms: Vm[]; onClose: () => void; initialImage?: string }) {
  const navigate = useNavigate();
  const { create } = useVmMutations();
  const host = useHost().data;
  const all = useImages().data ?? [];
  const [hypervisor, setHypervisor] = useState<'qemu' | 'uml'>('qemu');
  const uml = hypervisor === 'uml';
  const defaultImage = uml ? 'strata-mini-raw' : 'strata-mini';
  const bases = all.filter((i) => (i.ownerVmId === null || i.id === initialImage) && i.format === (uml ? 'raw' : 'qcow2'));
  const [name, setName] = useState(() => nextName(vms));
  const [image, setImage] = useState(initialImage ?? 'strata-mini');
  const [memoryDir, setMemoryDir] = useState('');
  const [rootShare, setRootShare] = useState('');
  const shares = useShares().data ?? [];
  const [cpu, setCpu] = useState({ sockets: 1, cores: 1, threads: 1 });
  const [memoryMiB, setMemory] = useState(256);
  const [accelerator, setAccelerator] = useState<'auto' | 'kvm' | 'tcg'>('auto');
  const [serverError, setServerError] = useState<ApiError | null>(null);

  const vcpus = cpu.sockets * cpu.cores * cpu.threads;
  const countError = (n: number) => (!Number.isInteger(n) || n < 1 ? 'At least 1 (a whole number).' : undefined);
  const topologyError = !uml && vcpus > VCPUS_MAX ? `${vcpus} vCPUs in all: at most ${VCPUS_MAX} per VM.` : undefined;
  const localErrors: Record<string, string | undefined> = {
    sockets: uml ? undefined : (countError(cpu.sockets) ?? topologyError),
    cores: uml ? undefined : countError(cpu.cores),
    threads: uml ? undefined : countError(cpu.threads),
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
  };
  const errorFor = (field: string) => localErrors[field] ?? (serverError?.field?.endsWith(field) ? serverError.message : undefined);
  const valid = Object.values(localErrors).every((e) => !e);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setServerError(null);
    create.mutate(
      uml
        ? {
            name,
            hypervisor,
            image,
            memoryMiB,
            network: { mode: 'none', forwards: [] },
            ...(memoryDir ? { umlMemoryDir: memoryDir } : {}),
            ...(rootShare ? { umlRootShareId: rootShare } : {}),
          }
        : { name, image, cpu, memoryMiB, accelerator },
      {
        onSuccess: (vm) => navigate(`/vms/${vm.id}`),
        onError: (err) => setServerError(err instanceof ApiError ? err : new ApiError(0, 'error', (err as Error).message)),
      },
    );
  };
  const setCount = (key: keyof typeof cpu) => (e: { target: { value: string } }) => setCpu({ ...cpu, [key]: Number(e.target.value) });

  return (
    <Dialog
      title="New virtual machine"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="create-vm" disabled={!valid || create.isPending}>
            {create.isPending ? 'Creating…' : 'Create'}
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
        {uml && (
          <Notice>
            UML is uniprocessor: the VM runs one vCPU (pin it to host CPUs from its vCPUs tab). It has no network and no CD-ROM.
          </Notice>
        )}
        {uml && (
          <Field
            label="Root file system"
            error={errorFor('umlRootShareId')}
            hint="The guest's root file system can be a share holding a whole Linux tree, reached over hostfs, instead of its disk."
          >
            <select name="umlRootShareId" className={inputClass} value={rootShare} onChange={(e) => setRootShare(e.target.value)}>
              <option value="">its disk (ubd0: the COW on the image above)</option>
              {shares.map((s) => (
                <option key={s.id} value={s.id}>
                  hostfs: share {s.name} ({s.path})
                </option>
              ))}
            </select>
          </Field>
        )}
        {uml && (
          <Field
            label="Memory directory (TMPDIR)"
            error={errorFor('umlMemoryDir')}
            hint="Where the file that holds guest memory lives, e.g. /dev/shm or a tmpfs on the VM's NUMA node. Empty: the VM's own directory."
          >
            <TextInput
              name="umlMemoryDir"
              value={memoryDir}
              placeholder="the VM's own directory"
              onChange={(e) => setMemoryDir(e.target.value)}
            />
          </Field>
        )}
        {!uml && (
          <div className="grid grid-cols-3 gap-3">
            <Field label="Sockets" error={errorFor('sockets')}>
              <TextInput name="sockets" type="number" min={1} value={cpu.sockets} onChange={setCount('sockets')} />
            </Field>
            <Field label="Cores" error={errorFor('cores')}>
              <TextInput name="cores" type="number" min={1} value={cpu.cores} onChange={setCount('cores')} />
            </Field>
            <Field label="Threads" error={errorFor('threads')}>
              <TextInput name="threads" type="number" min={1} value={cpu.threads} onChange={setCount('threads')} />
            </Field>
          </div>
        )}
        {!uml && host && vcpus > host.cpu.logicalCpus && vcpus <= VCPUS_MAX && (
          <Notice tone="warn">
            {vcpus} vCPUs exceed this host's {host.cpu.logicalCpus} logical CPUs. Giving one VM more vCPUs than the host has makes it
            slower, not faster.
          </Notice>
        )}
        <div className="grid grid-cols-2 gap-3">
          <Field label="Memory (MiB)" error={errorFor('memoryMiB')} hint={memoryMiB >= 1024 ? `= ${formatMiB(memoryMiB)}` : undefined}>
            <TextInput
              name="memoryMiB"
              type="number"
              min={MEMORY_MIB_MIN}
              value={memoryMiB}
              onChange={(e) => setMemory(Number(e.target.value))}
            />
          </Field>
          {!uml && (
            <Field
              label="Accelerator"
              error={errorFor('accelerator')}
              hint={host ? `Automatic picks ${host.accelerator.selected.toUpperCase()} on this host` : undefined}
            >
              <select
                name="accelerator"
                className={inputClass}
                value={accelerator}
                onChange={(e) => setAccelerator(e.target.value as typeof accelerator)}
              >
                <option value="auto">Automatic (KVM if it works, else TCG)</option>
                <option value="tcg">TCG (emulation)</option>
                <option value="kvm" disabled={host ? !host.accelerator.kvm.usable : false}>
                  KVM{host && !host.accelerator.kvm.usable ? ' (not usable here)' : ''}
                </option>
              </select>
            </Field>
          )}
        </div>
        {serverError && !SHOWN.some((f) => serverError.field?.endsWith(f)) && <Notice tone="warn">{serverError.message}</Notice>}
      </form>
    </Dialog>
  );
}
