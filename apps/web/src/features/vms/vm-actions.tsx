import { useEffect, useState } from 'react';
import type { Vm } from '@strata/contract';
import { useVmMutations, type PowerAction } from '../../api/vm-actions';
import { Button } from '../../components/button';
import { isActive } from '../../shared/vm-state';

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
  const busy = power.isPending;
  const act = (action: PowerAction) => power.mutate({ id: vm.id, action }, { onError });
  const button = (action: PowerAction, label: string, variant: 'primary' | 'secondary' = 'secondary') => (
    <Button key={action} variant={variant} disabled={busy} onClick={() => act(action)}>
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
      {!compact && vm.state === 'running' && button('reset', 'Reset')}
      {button('stop', compact ? 'Stop' : 'Force stop')}
    </>
  );
}
