import { useState } from 'react';
import type { Image, MergeMode, MergePlan } from '@strata/contract';
import { useJob, useLayerMutations, useMergePlan } from '../api/layer-actions';
import { Button } from '../components/button';
import { Dialog } from '../components/dialog';
import { ErrorBanner, Notice, Spinner } from '../components/feedback';
import { useImages } from '../api/get-images';
import { formatBytes } from '../components/format';
import { humanizeSizes } from './error-text';
import { isUnderWay } from './job-state';

/** What each mode is called and what it leaves behind, said before the click, in the user's terms. */
interface Words {
  label: string;
  outcome: string;
}

/** `below` is the layer the top stands on: "snapshot before-update" or an image's name. */
function wordsFor(mode: MergeMode, uml: boolean, below: string, isSnapshot: boolean): Words {
  const lost = isSnapshot ? ` You can no longer revert to ${below}.` : '';
  if (uml) {
    if (mode === 'commit')
      return {
        label: `Write the changes into ${below} in place`,
        outcome: `The disk keeps all its data: the changes in the VM's COW file are written into ${below}, and the VM starts over on a fresh, empty COW file.`,
      };
    if (mode === 'stream') return { label: 'Make the COW file stand alone', outcome: '' };
    return {
      label: 'Copy into a new base (safest)',
      outcome: `The disk keeps all its data: ${below} and the changes are copied into a new base file, and the VM continues on a fresh COW file on it. ${below} and other VMs are not touched.`,
    };
  }
  if (mode === 'commit')
    return {
      label: isSnapshot ? `Delete ${below}, keep its changes` : `Fold this layer into ${below}`,
      outcome: `The disk keeps all its data: the changes since ${below} are written into it, and it becomes the disk's writable layer.${lost}`,
    };
  if (mode === 'stream')
    return {
      label: 'Make the top layer stand alone',
      outcome: `The disk keeps all its data: what the layers below hold is copied up into the top layer, which then needs none of them. They stay on disk (see Images), untouched.${lost}`,
    };
  return {
    label: 'Copy into a new base (safest)',
    outcome: `The disk keeps all its data: everything it shows is copied into a new read-only base image, and the VM continues on a fresh layer on it. Other VMs keep their layers.${lost}`,
  };
}

type PlannedMode = MergePlan['modes'][number];

const formatSeconds = (s: number) => (s < 60 ? `${s < 10 ? s.toFixed(1) : Math.round(s)} s` : `${Math.round(s / 60)} min`);

/** What a mode costs, said before the click: bytes it writes, where, free space it needs and time. */
const costOf = (m: PlannedMode, freeSpace: number) =>
  m.bytesWritten === 0 && !m.allowed
    ? ''
    : `${m.inPlace ? 'writes into the existing file' : 'writes a new file'} · about ${formatBytes(m.bytesWritten)} · needs up to ${formatBytes(m.spaceNeeded)} of the ${formatBytes(freeSpace)} free · about ${formatSeconds(m.estimatedSeconds)}`;

/** One click merges a layer: the safe mode is chosen by default, and the dialog says what will happen. */
export function MergeDialog({ layer, onClose }: { layer: Image; onClose: () => void }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const { merge, cancel } = useLayerMutations();
  // Asked only before the click: a merge under way changes the plan, and a commit deletes this layer.
  const { data: plan, error } = useMergePlan(layer.id, jobId === null && merge.isIdle);
  const [picked, setPicked] = useState<MergeMode | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const job = useJob(jobId).data;
  const parent = (useImages().data ?? []).find((i) => i.id === layer.parentId);
  const below = parent?.snapshot ? `snapshot ${parent.snapshot.name}` : (parent?.name ?? 'the layer below');
  const words = (m: MergeMode) => wordsFor(m, layer.format === 'uml-cow', below, !!parent?.snapshot);
  // A commit turns the snapshot into the disk's top: the title keeps the words the merge started with.
  const [started, setStarted] = useState<{ title: string; done: string | null } | null>(null);
  const deletesSnapshot = !!parent?.snapshot && layer.format !== 'uml-cow';
  const title = started?.title ?? (deletesSnapshot ? `Delete ${below}?` : `Merge ${layer.name}`);
  const allowed = plan?.modes.filter((m) => m.allowed) ?? [];
  // uml_moo's safe mode writes a new backing file; in place (-d) is a deliberate choice.
  const safeDefault =
    layer.format === 'uml-cow'
      ? (allowed.find((m) => m.mode === 'new-base') ?? allowed[0])
      : (allowed.find((m) => m.mode === 'commit' && m.invalidates.length === 0) ??
        allowed.find((m) => m.mode === 'new-base') ??
        allowed[0]);
  const mode = picked ?? safeDefault?.mode ?? null;
  const choice = plan?.modes.find((m) => m.mode === mode);
  const running = !!job && isUnderWay(job);
  const done = job && !running;

  const start = () =>
    mode &&
    merge.mutate(
      { imageId: layer.id, body: { mode, confirmInvalidate: confirmed } },
      {
        onSuccess: (j) => {
          setStarted({
            title,
            done:
              deletesSnapshot && mode === 'commit'
                ? `Snapshot ${parent?.snapshot?.name ?? ''} is deleted; the disk kept all its data.`
                : null,
          });
          setJobId(j.id);
        },
      },
    );

  return (
    <Dialog
      title={title}
      onClose={running ? () => undefined : onClose}
      footer={
        job ? (
          running ? (
            // The button that started it is gone: focus stays in the dialog, on what is left to press
            // (keyed, so Close is a new button that takes focus when Cancel merge goes).
            <Button key="cancel" autoFocus onClick={() => cancel.mutate(job.id)} disabled={cancel.isPending}>
              Cancel merge
            </Button>
          ) : (
            <Button key="close" autoFocus variant="primary" onClick={onClose}>
              Close
            </Button>
          )
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button
              variant="primary"
              disabled={!choice?.allowed || (choice.invalidates.length > 0 && !confirmed) || merge.isPending}
              onClick={start}
            >
              {parent?.snapshot && mode === 'commit' && layer.format !== 'uml-cow' ? 'Delete snapshot' : 'Merge'}
            </Button>
          </>
        )
      }
    >
      {error && !job && <ErrorBanner error={error} />}
      {!plan && !error && !job && <Spinner />}
      {plan && !job && (
        <>
          {plan.live && <Notice>The VM is running: the merge runs inside QEMU and the guest keeps working.</Notice>}
          <fieldset className="space-y-2">
            <legend className="sr-only">How to merge</legend>
            {plan.modes.map((m) => (
              <label
                key={m.mode}
                className={`flex gap-3 rounded-md border p-3 text-sm ${m.allowed ? 'border-slate-200 dark:border-slate-700' : 'border-slate-100 opacity-60 dark:border-slate-800'}`}
              >
                <input
                  type="radio"
                  name="mode"
                  value={m.mode}
                  disabled={!m.allowed}
                  checked={mode === m.mode}
                  onChange={() => setPicked(m.mode)}
                />
                <span>
                  <span className="font-medium">{words(m.mode).label}</span>
                  <span className="block text-slate-500 dark:text-slate-400">
                    {m.allowed ? words(m.mode).outcome : `Not offered: ${humanizeSizes(m.reason)}`}
                  </span>
                  <span className="block text-xs text-slate-500 dark:text-slate-400" data-testid={`merge-cost-${m.mode}`}>
                    {costOf(m, plan.freeSpace)}
                  </span>
                </span>
              </label>
            ))}
          </fieldset>
          {choice?.allowed && (
            <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="merge-estimate">
              {choice.inPlace ? 'Writes into the existing file' : 'Writes a new file'}: about {formatBytes(choice.bytesWritten)}, needing up
              to {formatBytes(choice.spaceNeeded)} of free space; it should take about {formatSeconds(choice.estimatedSeconds)}.
            </p>
          )}
          {choice && choice.invalidates.length > 0 && (
            <Notice tone="warn">
              These layers stand on {below} too. They become invalid and will refuse to boot:
              <ul className="my-1 list-disc pl-5">
                {choice.invalidates.map((i) => (
                  <li key={i.id}>{i.name}</li>
                ))}
              </ul>
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} /> I understand: make them
                invalid
              </label>
            </Notice>
          )}
          {merge.error && <ErrorBanner error={merge.error} />}
        </>
      )}
      {job && (
        <div className="space-y-2" data-testid="merge-job">
          <div className="flex justify-between text-sm">
            <span>{job.title}</span>
            <span data-testid="merge-state">{job.state}</span>
          </div>
          <div
            className="h-2 overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
            role="progressbar"
            aria-label={job.title}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(job.progress * 100)}
          >
            <div
              className={`h-full transition-all ${job.state === 'failed' ? 'bg-red-500' : 'bg-indigo-600'}`}
              style={{ width: `${Math.round(job.progress * 100)}%` }}
            />
          </div>
          {done && job.state === 'succeeded' && (
            <p className="text-sm text-emerald-700 dark:text-emerald-400">{started?.done ?? humanizeSizes(job.result ?? 'done')}</p>
          )}
          {done && job.state !== 'succeeded' && <ErrorBanner error={humanizeSizes(job.error ?? job.result ?? job.state)} />}
        </div>
      )}
    </Dialog>
  );
}
