import { useId, useState, type FormEvent } from 'react';
import type { Image, Vm } from '@strata/contract';
import { useJob, useLayerMutations } from '../../api/layer-actions';
import { JobProgress } from '../../shared/job-progress';
import { isUnderWay } from '../../shared/job-state';
import { Button } from '../../components/button';
import { Card } from '../../components/card';
import { Dialog } from '../../components/dialog';
import { Field, TextInput } from '../../components/field';
import { ErrorBanner } from '../../components/feedback';
import { formatBytes, formatTime } from '../../components/format';
import { formatAgo, useNow } from '../../components/use-now';
import { useImagesRefreshed } from '../../api/get-images';
import { MergeDialog } from '../../shared/merge-dialog';
import { isActive, isRunning } from '../../shared/vm-state';
import { useRole } from '../../shared/use-role';
import { AddDiskDialog, GrowDiskDialog, RemoveDiskDialog } from './disk-dialogs';

/** A running guest writes without telling anyone: its layers' sizes are read again this often. */
const SIZE_REFRESH_MS = 5000;

export function chainOf(topId: string, images: Image[]): Image[] {
  const byId = new Map(images.map((i) => [i.id, i]));
  const chain: Image[] = [];
  for (let cur = byId.get(topId); cur && !chain.includes(cur); cur = cur.parentId ? byId.get(cur.parentId) : undefined) chain.push(cur);
  return chain;
}

function SnapshotDialog({ vm, diskId, onClose }: { vm: Vm; diskId: string; onClose: () => void }) {
  const { snapshot, cancel } = useLayerMutations();
  // A UML snapshot is a job: the dialog follows it (closing it leaves the job running, in the task bar).
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId).data;
  const copying = !!job && isUnderWay(job);
  const [name, setName] = useState(() => `snap-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '')}`);
  const [description, setDescription] = useState('');
  const live = isRunning(vm);
  const formId = useId();
  // A form, so Enter in the name or description takes the snapshot as the button does.
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (snapshot.isPending || name === '') return;
    snapshot.mutate(
      { vmId: vm.id, diskId, name, description },
      { onSuccess: (taken) => ('hypervisor' in taken ? onClose() : setJobId(taken.id)) },
    );
  };
  return (
    <Dialog
      title={`Snapshot ${diskId}`}
      onClose={onClose}
      footer={
        job ? (
          copying ? (
            <>
              <Button key="cancel" onClick={() => cancel.mutate(job.id)} disabled={cancel.isPending}>
                Cancel snapshot
              </Button>
              <Button onClick={onClose}>Run in background</Button>
            </>
          ) : (
            <Button key="close" autoFocus variant="primary" onClick={onClose}>
              Close
            </Button>
          )
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" type="submit" form={formId} disabled={snapshot.isPending || name === ''}>
              {snapshot.isPending ? 'Taking…' : 'Take snapshot'}
            </Button>
          </>
        )
      }
    >
      <p className="text-sm text-slate-500">
        {vm.hypervisor === 'uml'
          ? 'uml_moo merges the COW with its backing into a new read-only file (a full copy of the disk, as a job), and the disk goes on with a fresh COW on it.'
          : live
            ? 'The guest keeps running: QEMU freezes the current layer and continues on a new one.'
            : 'The current layer is frozen read-only and a new overlay goes on top.'}
      </p>
      {job && <JobProgress job={job} testId="snapshot-job" />}
      <form id={formId} onSubmit={submit} className="space-y-4" hidden={!!job}>
        <Field label="Name">
          <TextInput name="snapshotName" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Description">
          <TextInput name="snapshotDescription" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </form>
      {snapshot.error && <ErrorBanner error={snapshot.error} />}
    </Dialog>
  );
}

function RevertDialog({
  vm,
  diskId,
  target,
  lost,
  onClose,
}: {
  vm: Vm;
  diskId: string;
  target: Image;
  lost: Image[];
  onClose: () => void;
}) {
  const { revert } = useLayerMutations();
  const bytes = lost.reduce((sum, l) => sum + l.allocatedSize, 0);
  return (
    <Dialog
      title={`Revert ${diskId} to ${target.snapshot?.name ?? target.name}?`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="danger"
            disabled={revert.isPending}
            onClick={() => revert.mutate({ vmId: vm.id, diskId, imageId: target.id }, { onSuccess: onClose })}
          >
            Discard and revert
          </Button>
        </>
      }
    >
      <p className="text-sm">
        The layers above the snapshot are discarded: <strong>{formatBytes(bytes)}</strong> of data written since then is lost.
      </p>
      <ul className="list-disc pl-5 text-sm">
        {lost.map((l) => (
          <li key={l.id}>
            {l.name} ({formatBytes(l.allocatedSize)})
          </li>
        ))}
      </ul>
      {revert.error && <ErrorBanner error={revert.error} />}
    </Dialog>
  );
}

/** Each disk's chain from its writable top down to its base, with the actions on each layer. */
export function DisksPanel({ vm, images: given }: { vm: Vm; images: Image[] }) {
  const running = isRunning(vm);
  const refreshed = useImagesRefreshed(running ? SIZE_REFRESH_MS : false);
  const images = refreshed.data ?? given;
  const now = useNow();
  const snapshotBlocked = running && !vm.capabilities.liveSnapshot;
  const { canOperate, cannot } = useRole();
  const [snapshotting, setSnapshotting] = useState<string | null>(null);
  const [merging, setMerging] = useState<Image | null>(null);
  const [reverting, setReverting] = useState<{ diskId: string; target: Image; lost: Image[] } | null>(null);
  const [adding, setAdding] = useState(false);
  const [growing, setGrowing] = useState<{ diskId: string; top: Image } | null>(null);
  const [removing, setRemoving] = useState<{ diskId: string; own: Image[] } | null>(null);
  const stopped = !isActive(vm);
  const changeRefusal = cannot('change disks');
  // Merging the top into the VM's own snapshot ends that snapshot: the action sits on the snapshot it removes.
  const ownSnapshot = (layer: Image | undefined) => !!layer?.snapshot && layer.ownerVmId === vm.id;
  return (
    <div className="space-y-4">
      <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="sizes-read">
        Sizes read {refreshed.dataUpdatedAt ? formatAgo(now - refreshed.dataUpdatedAt) : 'just now'}
        {running ? `; read again every ${SIZE_REFRESH_MS / 1000} s while the VM runs` : ''}.
      </p>
      <Button
        disabled={!stopped || !canOperate}
        title={changeRefusal ?? (stopped ? undefined : 'Stop the VM to add a disk: its hypervisor reads its disks when it starts')}
        onClick={() => setAdding(true)}
      >
        Add disk…
      </Button>
      {vm.disks.map((disk) => {
        const chain = chainOf(disk.imageId, images);
        return (
          <Card
            key={disk.id}
            title={vm.capabilities.diskBuses.length > 0 ? `${disk.id} · ${disk.bus}` : disk.id}
            actions={
              <>
                <Button
                  disabled={!canOperate || chain[0]?.format === 'uml-cow' || (!stopped && !running)}
                  title={
                    changeRefusal ??
                    (chain[0]?.format === 'uml-cow' ? "A UML disk cannot grow: its COW file takes its backing file's size" : undefined)
                  }
                  onClick={() => chain[0] && setGrowing({ diskId: disk.id, top: chain[0] })}
                >
                  Grow…
                </Button>
                {disk.id !== vm.disks[0]?.id && (
                  <Button
                    disabled={!stopped || !canOperate}
                    title={changeRefusal ?? (stopped ? undefined : 'Stop the VM to remove a disk')}
                    onClick={() => setRemoving({ diskId: disk.id, own: chain.filter((l) => l.ownerVmId === vm.id) })}
                  >
                    Remove…
                  </Button>
                )}
                <Button
                  disabled={snapshotBlocked || !canOperate}
                  title={
                    cannot('take snapshots') ??
                    (snapshotBlocked ? 'Stop the VM to take a snapshot: its hypervisor cannot take one while it runs' : undefined)
                  }
                  onClick={() => setSnapshotting(disk.id)}
                >
                  Snapshot
                </Button>
              </>
            }
          >
            <ol className="space-y-2" data-testid={`chain-${disk.id}`}>
              {chain.map((layer, depth) => (
                <li
                  key={layer.id}
                  data-testid="layer"
                  className="flex flex-wrap items-center justify-between gap-x-3 gap-y-2 rounded-md border border-slate-200 px-3 py-2 text-sm dark:border-slate-800"
                  style={{ marginLeft: depth * 16 }}
                >
                  <div className="min-w-0 break-words">
                    <span className="font-medium">{layer.snapshot ? `snapshot ${layer.snapshot.name}` : layer.name}</span>{' '}
                    <span className="text-slate-500">
                      {layer.format} · {depth === 0 ? 'writable top' : layer.ownerVmId === vm.id ? 'snapshot' : 'shared base'}
                    </span>
                    {layer.snapshot && (
                      <div className="text-xs text-slate-500">
                        {formatTime(layer.snapshot.takenAt)}
                        {layer.snapshot.description ? ` — ${layer.snapshot.description}` : ''}
                      </div>
                    )}
                    {!layer.valid && <div className="text-xs text-red-600">invalid: {layer.invalidReason}</div>}
                  </div>
                  {/* On a phone the size and buttons wrap under the name instead of pushing the page sideways. */}
                  <div className="flex min-w-0 flex-wrap items-center gap-2">
                    <span className="whitespace-nowrap text-slate-500">
                      {formatBytes(layer.allocatedSize)} used of {formatBytes(layer.virtualSize)}
                    </span>
                    {canOperate && depth === 0 && chain.length > 1 && !ownSnapshot(chain[1]) && (
                      <Button onClick={() => setMerging(layer)}>Merge…</Button>
                    )}
                    {canOperate && depth === 1 && ownSnapshot(layer) && (
                      <Button onClick={() => setMerging(chain[0]!)}>Delete snapshot, keep its changes…</Button>
                    )}
                    {canOperate && depth > 0 && layer.ownerVmId === vm.id && (
                      <Button
                        disabled={!stopped}
                        title={stopped ? undefined : 'Stop the VM to revert'}
                        onClick={() => setReverting({ diskId: disk.id, target: layer, lost: chain.slice(0, depth) })}
                      >
                        Revert here
                      </Button>
                    )}
                  </div>
                </li>
              ))}
            </ol>
          </Card>
        );
      })}
      {adding && <AddDiskDialog vm={vm} images={images} onClose={() => setAdding(false)} />}
      {growing && <GrowDiskDialog vm={vm} {...growing} onClose={() => setGrowing(null)} />}
      {removing && <RemoveDiskDialog vm={vm} {...removing} onClose={() => setRemoving(null)} />}
      {snapshotting && <SnapshotDialog vm={vm} diskId={snapshotting} onClose={() => setSnapshotting(null)} />}
      {merging && <MergeDialog layer={merging} onClose={() => setMerging(null)} />}
      {reverting && <RevertDialog vm={vm} {...reverting} onClose={() => setReverting(null)} />}
    </div>
  );
}
