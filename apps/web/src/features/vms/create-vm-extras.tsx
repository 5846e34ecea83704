import { useNavigate } from 'react-router';
import type { ShareView, Vm } from '@strata/contract';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput } from '../../components/field';
import { Notice } from '../../components/feedback';
import { formatBytes } from '../../components/format';

const GiB = 1024 ** 3;

/** The new disk's size: empty keeps the image's; QEMU grows its overlay, UML cannot. */
export function DiskSizeField({
  uml,
  value,
  onChange,
  imageBytes,
  error,
}: {
  uml: boolean;
  value: string;
  onChange: (v: string) => void;
  imageBytes: number | undefined;
  error: string | undefined;
}) {
  const size = imageBytes === undefined ? 'the image’s size' : `the image’s ${formatBytes(imageBytes)}`;
  return (
    <Field
      label="Disk size (GiB)"
      error={error}
      hint={
        uml
          ? 'UML cannot grow it here: its COW file always has the size of the image it stands on.'
          : `Empty: ${size}. Larger grows the VM's own layer (qemu-img resize); the guest's file system is not grown with it.`
      }
    >
      <TextInput
        name="diskSizeGiB"
        type="number"
        min={imageBytes ? Math.ceil(imageBytes / GiB) : 1}
        value={uml ? '' : value}
        disabled={uml}
        placeholder={imageBytes ? String(Math.ceil(imageBytes / GiB)) : ''}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}

/** Existing shares to attach once the VM exists, each over the fastest transport its hypervisor offers. */
export function SharePicker({
  shares,
  chosen,
  onChange,
  transport,
}: {
  shares: ShareView[];
  chosen: string[];
  onChange: (ids: string[]) => void;
  transport: string;
}) {
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Shares to attach</legend>
      {shares.length === 0 ? (
        <p className="text-xs text-slate-500 dark:text-slate-400">None yet: make one on the Shares page, then attach it from the VM.</p>
      ) : (
        <>
          <ul className="max-h-32 space-y-1 overflow-y-auto">
            {shares.map((s) => (
              <li key={s.id}>
                <label className="flex items-baseline gap-2 text-sm">
                  <input
                    type="checkbox"
                    checked={chosen.includes(s.id)}
                    onChange={(e) => onChange(e.target.checked ? [...chosen, s.id] : chosen.filter((id) => id !== s.id))}
                  />
                  <span className="break-all">
                    {s.name} <span className="text-xs text-slate-500 dark:text-slate-400">{s.path}</span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            Attached over {transport}, mounted by the default guest at /mnt/&lt;share&gt;; change options later on the VM&apos;s Shares tab.
          </p>
        </>
      )}
    </fieldset>
  );
}

/** The VM exists, but attaching a share or starting it failed: said with each reason, and the way to the VM. */
export function CreatedWithErrors({ vm, errors, onClose }: { vm: Vm; errors: string[]; onClose: () => void }) {
  const navigate = useNavigate();
  return (
    <Dialog
      title="New virtual machine"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Close</Button>
          <Button variant="primary" onClick={() => void navigate(`/vms/${vm.id}`)}>
            Open {vm.name}
          </Button>
        </>
      }
    >
      <Notice tone="warn">
        {vm.name} was created, but not everything after it worked:
        <ul className="mt-1 list-disc pl-5">
          {errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      </Notice>
    </Dialog>
  );
}
