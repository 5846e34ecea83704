import { useState } from 'react';
import type { Image, MergeMode, MergePlan } from '@strata/contract';
import { useJob, useLayerMutations, useMergePlan } from '../api/layer-actions';
import { Button } from '../components/button';
import { Dialog } from '../components/dialog';
import { ErrorBanner, Notice, Spinner } from '../components/feedback';
import { formatBytes } from '../components/format';
import { isUnderWay } from './job-state';

const labels: Record<MergeMode, string> = {
  commit: 'Commit into the parent',
  stream: 'Stream the parent up',
  'new-base': 'Merge into a new base',
};
const umlLabels: Record<MergeMode, string> = {
  commit: 'uml_moo -d: merge in place into the backing file',
  stream: 'Stream',
  'new-base': 'uml_moo: merge into a new backing file (safe)',
};

type PlannedMode = MergePlan['modes'][number];

const formatSeconds = (s: number) => (s < 60 ? `${s < 10 ? s.toFixed(1) : Math.round(s)} s` : `${Math.round(s / 60)} min`);

/** What a mode costs, said before the click: bytes it writes, where, free space it needs and time. */
const costOf = (m: PlannedMode, freeSpace: number) =>
  m.bytesWritten === 0 && !m.allowed
    ? ''
    : `${m.inPlace ? 'in place' : 'new file'} · writes ~${formatBytes(m.bytesWritten)} · needs up to ${formatBytes(m.spaceNeeded)} of ${formatBytes(freeSpace)} free · ~${formatSeconds(m.estimatedSeconds)}`;

/** One click merges a layer: the safe mode is chosen by default, and the dialog says what will happen. */
export function MergeDialog({ layer, onClose }: { layer: Image; onClose: () => void }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const { data: plan, error } = useMergePlan(layer.id, jobId === null);
  const { merge, cancel } = useLayerMutations();
  const [picked, setPicked] = useState<MergeMode | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const job = useJob(jobId).data;
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
    mode && merge.mutate({ imageId: layer.id, body: { mode, confirmInvalidate: confirmed } }, { onSuccess: (j) => setJobId(j.id) });

  return (
    <Dialog
      title={`Merge ${layer.name}`}
      onClose={running ? () => undefined : onClose}
      footer={
        job ? (
          running ? (
            <Button onClick={() => cancel.mutate(job.id)} disabled={cancel.isPending}>
              Cancel merge
            </Button>
          ) : (
            <Button variant="primary" onClick={onClose}>
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
              Merge
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
                  <span className="font-medium">{(layer.format === 'uml-cow' ? umlLabels : labels)[m.mode]}</span>
                  <span className="block text-slate-500 dark:text-slate-400">{m.reason}</span>
                  <span className="block text-xs text-slate-500 dark:text-slate-400" data-testid={`merge-cost-${m.mode}`}>
                    {costOf(m, plan.freeSpace)}
                  </span>
                </span>
              </label>
            ))}
          </fieldset>
          {choice?.allowed && (
            <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="merge-estimate">
              {choice.inPlace ? 'In place: ' : 'Into a new file: '}writes about {formatBytes(choice.bytesWritten)}, needs up to{' '}
              {formatBytes(choice.spaceNeeded)} of free space, and should take about {formatSeconds(choice.estimatedSeconds)}.
            </p>
          )}
          {choice && choice.invalidates.length > 0 && (
            <Notice tone="warn">
              These layers stand on the parent and will become invalid (they will refuse to boot):
              <ul className="my-1 list-disc pl-5">
                {choice.invalidates.map((i) => (
                  <li key={i.id}>{i.name}</li>
                ))}
              </ul>
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} /> I understand; invalidate them
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
          {done && job.state === 'succeeded' && <p className="text-sm text-emerald-700 dark:text-emerald-400">{job.result}</p>}
          {done && job.state !== 'succeeded' && <ErrorBanner error={job.error ?? job.result ?? job.state} />}
        </div>
      )}
    </Dialog>
  );
}
