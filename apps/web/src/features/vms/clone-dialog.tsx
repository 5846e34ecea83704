import { useId, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { CloneMode, Vm } from '@strata/contract';
import { VM_NAME_MAX_LENGTH, VM_NAME_PATTERN } from '@strata/contract/vm-rules';
import { useJob, useLayerMutations } from '../../api/layer-actions';
import { useVms } from '../../api/get-vms';
import { useVmOps } from '../../api/vm-ops';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput } from '../../components/field';
import { ErrorBanner, Notice } from '../../components/feedback';
import { JobProgress } from '../../shared/job-progress';
import { isUnderWay } from '../../shared/job-state';

const NAME = new RegExp(VM_NAME_PATTERN);

const MODES: Record<CloneMode, { label: string; says: string }> = {
  full: {
    label: 'Full clone',
    says: "Every disk's whole chain is copied into a new image of the clone's own: it shares nothing with this VM. Takes as long as copying the disks.",
  },
  linked: {
    label: 'Linked clone',
    says: "This VM's current top layer is frozen read-only (a snapshot named after the clone) and both VMs go on with a new layer on it: quick and small, but this VM cannot be deleted while the clone stands on it.",
  },
};

/** A new VM from this stopped one: a full copy as a job with progress, or a linked clone at once. */
export function CloneDialog({ vm, onClose }: { vm: Vm; onClose: () => void }) {
  const navigate = useNavigate();
  const { clone } = useVmOps();
  const { cancel } = useLayerMutations();
  const formId = useId();
  const vms = useVms().data ?? [];
  const names = new Set(vms.map((v) => v.name));
  const [name, setName] = useState(`${vm.name}-clone`.slice(0, VM_NAME_MAX_LENGTH));
  const [mode, setMode] = useState<CloneMode>('full');
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId).data;
  const running = !!job && isUnderWay(job);
  const nameError = !NAME.test(name)
    ? 'Letters, digits, dots, dashes and underscores, starting with a letter or digit.'
    : names.has(name)
      ? `A VM named ${name} exists already.`
      : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (nameError || clone.isPending || jobId) return;
    clone.mutate(
      { vmId: vm.id, body: { name, mode } },
      { onSuccess: (made) => ('kind' in made ? setJobId(made.id) : navigate(`/vms/${encodeURIComponent(made.id)}/overview`)) },
    );
  };
  const cloneOf = vms.find((v) => v.name === name);
  return (
    <Dialog
      title={`Clone ${vm.name}`}
      onClose={onClose}
      footer={
        running ? (
          <Button onClick={() => cancel.mutate(job.id)} disabled={cancel.isPending}>
            Cancel clone
          </Button>
        ) : job ? (
          <>
            <Button onClick={onClose}>Close</Button>
            {job.state === 'succeeded' && cloneOf && (
              <Button variant="primary" onClick={() => navigate(`/vms/${encodeURIComponent(cloneOf.id)}/overview`)}>
                Open {cloneOf.name}
              </Button>
            )}
          </>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" type="submit" form={formId} disabled={!!nameError || clone.isPending}>
              {clone.isPending ? 'Cloning…' : MODES[mode].label}
            </Button>
          </>
        )
      }
    >
      {job ? (
        <JobProgress job={job} testId="clone-job" />
      ) : (
        <form id={formId} onSubmit={submit} className="space-y-4">
          <Field label="Name of the new VM" error={nameError}>
            <TextInput name="cloneName" value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <fieldset className="space-y-2 text-sm">
            <legend className="font-medium">Kind</legend>
            {(Object.keys(MODES) as CloneMode[]).map((m) => (
              <label key={m} className="flex items-start gap-2">
                <input type="radio" name="cloneMode" className="mt-1" checked={mode === m} onChange={() => setMode(m)} />
                <span>
                  <span className="font-medium">{MODES[m].label}</span>
                  <span className="block text-slate-500">{MODES[m].says}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <Notice>
            The clone gets this VM&apos;s settings, but no shares and no port forwards (two VMs on one host port collide); attach them to
            the clone as needed.
          </Notice>
        </form>
      )}
      {clone.error && <ErrorBanner error={clone.error} />}
    </Dialog>
  );
}
