import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import type { Image, Vm } from '@strata/contract';
import { useImages } from '../../api/get-images';
import { useVms } from '../../api/get-vms';
import { useVmMutations, type PowerAction } from '../../api/vm-actions';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Notice } from '../../components/feedback';
import { formatBytes, plural } from '../../components/format';
import { deletePlan } from '../../shared/vm-delete-plan';
import { isActive } from '../../shared/vm-state';
import { useRole } from '../../shared/use-role';

/** Seconds left before a graceful shutdown turns into a forced stop. */
function useCountdown(deadline: string | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!deadline) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [deadline]);
  return deadline ? Math.max(0, Math.ceil((Date.parse(deadline) - now) / 1000)) : null;
}

export function VmPowerButtons({ vm, compact = false, onError }: { vm: Vm; compact?: boolean; onError?: (e: Error) => void }) {
  const { power } = useVmMutations();
  const countdown = useCountdown(vm.state === 'stopping' ? vm.shutdownDeadline : null);
  // A restart waits for the guest to power off and boot again: meanwhile Force stop must stay at hand.
  const restarting = power.isPending && power.variables?.action === 'restart';
  const busy = power.isPending && !restarting;
  const refusal = useRole().cannot('start, stop or change VMs');
  const act = (action: PowerAction) => power.mutate({ id: vm.id, action }, { onError });
  const button = (action: PowerAction, label: string, variant: 'primary' | 'secondary' = 'secondary') => (
    <Button key={action} variant={variant} disabled={busy || refusal !== undefined} title={refusal} onClick={() => act(action)}>
      {label}
    </Button>
  );
  if (!isActive(vm)) return button('start', busy ? 'Starting…' : 'Start', 'primary');
  if (vm.state === 'stopping') {
    return (
      <>
        {countdown !== null && (
          <span data-testid="shutdown-countdown" className="self-center text-xs text-slate-500">
            shutting down · forced stop in {countdown} s
          </span>
        )}
        {button('stop', 'Force stop')}
      </>
    );
  }
  return (
    <>
      {vm.state === 'running' && button('shutdown', 'Shut down', 'primary')}
      {!compact && vm.state === 'running' && button('pause', 'Pause')}
      {vm.state === 'paused' && button('resume', 'Resume', 'primary')}
      {!compact && vm.state === 'running' && button('restart', restarting ? 'Restarting…' : 'Restart')}
      {!compact && vm.state === 'running' && button('reset', 'Reset')}
      {button('stop', compact ? 'Stop' : 'Force stop')}
    </>
  );
}

/** How a layer is called in the dialog: a snapshot by its snapshot name, any other layer by its file name. */
const layerName = (i: Image) => (i.snapshot ? `snapshot ${i.snapshot.name}` : i.name);

/** Confirms a VM's deletion, or says what stands on its layers and offers no delete that would fail. */
export function DeleteVmDialog({ vm, onClose, onError }: { vm: Vm; onClose: () => void; onError: (e: Error) => void }) {
  const navigate = useNavigate();
  const { remove } = useVmMutations();
  const images = useImages().data ?? [];
  const vms = useVms().data ?? [];
  const vmName = (id: string | null) => vms.find((v) => v.id === id)?.name;
  const { own, blockers } = deletePlan(vm.id, images);
  const total = own.reduce((sum, l) => sum + l.allocatedSize, 0);
  const userOf = (i: Image) => {
    const names = [...new Set([i.ownerVmId, ...i.usedBy.map((u) => u.vmId)].map(vmName).filter((n): n is string => !!n))];
    return names.length > 0 ? ` (a disk of ${names.join(', ')})` : '';
  };

  if (blockers.length > 0) {
    return (
      <Dialog title={`${vm.name} cannot be deleted yet`} onClose={onClose} footer={<Button onClick={onClose}>Close</Button>}>
        <Notice tone="warn">
          <span data-testid="delete-blockers">
            Other images stand on this VM&apos;s layers. Deleting {vm.name} would delete the ground under them, so Strata refuses it:
          </span>
          <ul className="my-1 list-disc pl-5">
            {blockers.map(({ image, base }) => (
              <li key={image.id}>
                {layerName(image)}
                {userOf(image)} stands on {layerName(base)}
              </li>
            ))}
          </ul>
          Delete those first, or merge each into a new base from its VM&apos;s Disks tab; then {vm.name} can be deleted.
        </Notice>
      </Dialog>
    );
  }
  return (
    <Dialog
      title={`Delete ${vm.name}?`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="danger"
            disabled={remove.isPending}
            onClick={() =>
              remove.mutate(vm.id, {
                onSuccess: () => navigate('/vms', { state: { focusHeading: true } }),
                onError: (e) => {
                  onClose();
                  onError(e);
                },
              })
            }
          >
            Delete VM and its layers
          </Button>
        </>
      }
    >
      <p className="text-sm">
        {own.length === 0
          ? `${vm.name} is deleted. It has no layers of its own; the images it stands on stay.`
          : `${vm.name} is deleted with its ${plural(own.length, 'layer')} (${formatBytes(total)} on disk): its snapshots and the changes since cannot be brought back. The base images it stands on stay.`}
      </p>
      <ul className="list-disc space-y-1 pl-5 text-sm" data-testid="layers-to-delete">
        {own.map((l) => (
          <li key={l.id}>
            <span className="font-mono">{l.path}</span> ({formatBytes(l.allocatedSize)} on disk
            {l.snapshot ? `, snapshot ${l.snapshot.name}` : ''})
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
