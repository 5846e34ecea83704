import type { Vm } from '@strata/contract';
import type { PowerAction } from '../api/vm-actions';
import { isActive } from './vm-state';

/** The power actions a VM in its state offers, as the VM page's buttons offer them, with their labels. */
export function powerChoices(vm: Pick<Vm, 'state'>): [PowerAction, string][] {
  if (!isActive(vm)) return [['start', 'Start']];
  if (vm.state === 'paused')
    return [
      ['resume', 'Resume'],
      ['stop', 'Force stop'],
    ];
  if (vm.state === 'running')
    return [
      ['shutdown', 'Shut down'],
      ['pause', 'Pause'],
      ['reset', 'Reset'],
      ['stop', 'Force stop'],
    ];
  // Starting or stopping: only a forced stop cuts it short.
  return [['stop', 'Force stop']];
}
