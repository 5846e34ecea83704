import { useId, useState, type FormEvent } from 'react';
import type { DiskBus, Image, Vm } from '@strata/contract';
import { DISK_SIZE_MAX_BYTES, DISK_SIZE_MIN_BYTES } from '@strata/contract/vm-rules';
import { useVmOps } from '../../api/vm-ops';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput, inputClass } from '../../components/field';
import { ErrorBanner } from '../../components/feedback';
import { formatBytes } from '../../components/format';

const MiB = 1024 ** 2;
const BUS_LABEL: Record<DiskBus, string> = { virtio: 'virtio-blk', scsi: 'virtio-scsi', ide: 'IDE' };

/** A size in MiB as the API's bytes, or the reason it cannot be one. */
function sizeCheck(mib: number, atLeastBytes = DISK_SIZE_MIN_BYTES): string | undefined {
  if (!Number.isInteger(mib)) return 'A whole number of MiB.';
  if (mib * MiB < atLeastBytes) return `At least ${formatBytes(atLeastBytes)}.`;
  if (mib * MiB > DISK_SIZE_MAX_BYTES) return `At most ${formatBytes(DISK_SIZE_MAX_BYTES)}.`;
  return undefined;
}

export function AddDiskDialog({ vm, images, onClose }: { vm: Vm; images: Image[]; onClose: () => void }) {
  const { addDisk } = useVmOps();
  const formId = useId();
  const bases = images.filter((i) => i.ownerVmId === null && i.valid && i.format === (vm.hypervisor === 'uml' ? 'raw' : 'qcow2'));
  const [source, setSource] = useState<'blank' | 'image'>('blank');
  const [sizeMiB, setSizeMiB] = useState(1024);
  const [image, setImage] = useState(bases[0]?.id ?? '');
  const buses = vm.capabilities.diskBuses;
  const [bus, setBus] = useState<DiskBus>(vm.disks[0]?.bus ?? buses[0] ?? 'virtio');
  const sizeError = source === 'blank' ? sizeCheck(sizeMiB) : undefined;
  const blocked = sizeError ?? (source === 'image' && !image ? 'Choose an image.' : undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blocked || addDisk.isPending) return;
    const body = source === 'blank' ? { sizeBytes: sizeMiB * MiB } : { image };
    addDisk.mutate({ vmId: vm.id, body: { ...body, ...(buses.length > 0 ? { bus } : {}) } }, { onSuccess: onClose });
  };
  return (
    <Dialog
      title="Add a disk"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} disabled={!!blocked || addDisk.isPending}>
            {addDisk.isPending ? 'Adding…' : 'Add disk'}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} className="space-y-4">
        <fieldset className="space-y-1 text-sm">
          <legend className="font-medium">The new disk</legend>
          <label className="flex items-center gap-2">
            <input type="radio" name="diskSource" checked={source === 'blank'} onChange={() => setSource('blank')} />
            Blank
          </label>
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="diskSource"
              checked={source === 'image'}
              onChange={() => setSource('image')}
              disabled={bases.length === 0}
            />
            On a shared image (a new layer: the image itself stays shared and untouched)
          </label>
        </fieldset>
        {source === 'blank' ? (
          <Field label="Size (MiB)" error={sizeError} hint={sizeError ? undefined : `= ${formatBytes(sizeMiB * MiB)}`}>
            <TextInput name="diskSizeMiB" type="number" min={1} value={sizeMiB} onChange={(e) => setSizeMiB(Number(e.target.value))} />
          </Field>
        ) : (
          <Field label="Image">
            <select name="diskImage" className={inputClass} value={image} onChange={(e) => setImage(e.target.value)}>
              {bases.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name} ({formatBytes(i.virtualSize)})
                </option>
              ))}
            </select>
          </Field>
        )}
        {buses.length > 0 && (
          <Field label="Bus">
            <select name="diskBus" className={inputClass} value={bus} onChange={(e) => setBus(e.target.value as DiskBus)}>
              {buses.map((b) => (
                <option key={b} value={b}>
                  {BUS_LABEL[b]}
                </option>
              ))}
            </select>
          </Field>
        )}
      </form>
      {addDisk.error && <ErrorBanner error={addDisk.error} />}
    </Dialog>
  );
}

export function GrowDiskDialog({ vm, diskId, top, onClose }: { vm: Vm; diskId: string; top: Image; onClose: () => void }) {
  const { growDisk } = useVmOps();
  const formId = useId();
  const [sizeMiB, setSizeMiB] = useState(Math.ceil(top.virtualSize / MiB) * 2);
  const error =
    sizeMiB * MiB <= top.virtualSize
      ? `Only growing: more than ${formatBytes(top.virtualSize)}, the disk's size now. Shrinking would cut the guest's file systems.`
      : sizeCheck(sizeMiB);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (error || growDisk.isPending) return;
    growDisk.mutate({ vmId: vm.id, diskId, sizeBytes: sizeMiB * MiB }, { onSuccess: onClose });
  };
  const live = vm.state === 'running' || vm.state === 'paused';
  return (
    <Dialog
      title={`Grow ${diskId}`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} disabled={!!error || growDisk.isPending}>
            {growDisk.isPending ? 'Growing…' : 'Grow disk'}
          </Button>
        </>
      }
    >
      <p className="text-sm text-slate-500">
        {live
          ? 'The guest sees the larger disk at once; grow its partition and file system inside the guest to use the space.'
          : 'Grow the partition and file system inside the guest afterwards to use the space.'}
      </p>
      <form id={formId} onSubmit={submit}>
        <Field label={`New size (MiB, now ${formatBytes(top.virtualSize)})`} error={error}>
          <TextInput name="growSizeMiB" type="number" value={sizeMiB} onChange={(e) => setSizeMiB(Number(e.target.value))} />
        </Field>
      </form>
      {growDisk.error && <ErrorBanner error={growDisk.error} />}
    </Dialog>
  );
}

export function RemoveDiskDialog({ vm, diskId, own, onClose }: { vm: Vm; diskId: string; own: Image[]; onClose: () => void }) {
  const { removeDisk } = useVmOps();
  const [layers, setLayers] = useState<'delete' | 'keep'>('delete');
  const bytes = own.reduce((sum, l) => sum + l.allocatedSize, 0);
  return (
    <Dialog
      title={`Remove ${diskId} from ${vm.name}?`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="danger"
            disabled={removeDisk.isPending}
            onClick={() => removeDisk.mutate({ vmId: vm.id, diskId, layers }, { onSuccess: onClose })}
          >
            {layers === 'delete' ? 'Remove and delete its layers' : 'Remove, keep its layers'}
          </Button>
        </>
      }
    >
      <fieldset className="space-y-1 text-sm">
        <legend className="font-medium">
          This disk&apos;s own layers ({own.length}, {formatBytes(bytes)} on disk)
        </legend>
        <label className="flex items-center gap-2">
          <input type="radio" name="diskLayers" checked={layers === 'delete'} onChange={() => setLayers('delete')} />
          Delete them: the data on {diskId} is lost
        </label>
        {/* A UML COW file lives in the VM's directory, which goes with the VM: it cannot be kept. */}
        {!own.some((l) => l.format === 'uml-cow') && (
          <label className="flex items-center gap-2">
            <input type="radio" name="diskLayers" checked={layers === 'keep'} onChange={() => setLayers('keep')} />
            Keep them as standalone images on the Images page
          </label>
        )}
      </fieldset>
      <p className="text-sm text-slate-500">Shared images below the disk stay either way.</p>
      {removeDisk.error && <ErrorBanner error={removeDisk.error} />}
    </Dialog>
  );
}
