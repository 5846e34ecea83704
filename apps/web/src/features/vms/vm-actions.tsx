import type { Vm } from '@strata/contract';
import { useVmMutations } from '../../api/vm-actions';
import { Button } from '../../components/button';

const canStart = (vm: Vm) => vm.state === 'defined' || vm.state === 'stopped' || vm.state === 'crashed';
const canStop = (vm: Vm) => vm.state === 'running' || vm.state === 'paused' || vm.state === 'starting';

export function VmPowerButtons({ vm, onError }: { vm: Vm; onError?: (e: Error) => void }) {
  const { start, stop } = useVmMutations();
  return (
    <>
      {canStart(vm) && (
        <Button variant="primary" disabled={start.isPending} onClick={() => start.mutate(vm.id, { onError })}>
          {start.isPending ? 'Starting…' : 'Start'}
        </Button>
      )}
      {canStop(vm) && (
        <Button variant="secondary" disabled={stop.isPending || vm.state === 'stopping'} onClick={() => stop.mutate(vm.id, { onError })}>
          {stop.isPending || vm.state === 'stopping' ? 'Stopping…' : 'Stop'}
        </Button>
      )}
    </>
  );
}
