import type { VmState } from '@strata/contract';
import { conflict } from './errors.js';

const transitions: Record<VmState, VmState[]> = {
  defined: ['starting'],
  starting: ['running', 'stopped', 'crashed'],
  running: ['paused', 'stopping', 'stopped', 'crashed'],
  paused: ['running', 'stopping', 'stopped', 'crashed'],
  stopping: ['stopped', 'crashed'],
  stopped: ['starting'],
  crashed: ['starting', 'stopped'],
};

export const isActive = (state: VmState): boolean =>
  state === 'starting' || state === 'running' || state === 'paused' || state === 'stopping';

export function canTransition(from: VmState, to: VmState): boolean {
  return transitions[from].includes(to);
}

/** Which user actions make sense in each state; the API refuses the rest with a 409. */
const actions = {
  start: ['defined', 'stopped', 'crashed'],
  stop: ['starting', 'running', 'paused', 'stopping'],
  shutdown: ['running', 'paused'],
  pause: ['running'],
  resume: ['paused'],
  reset: ['running'],
  delete: ['defined', 'stopped', 'crashed'],
  edit: ['defined', 'stopped', 'crashed'],
  'edit live': ['running', 'paused'],
  pin: ['defined', 'stopped', 'crashed', 'running', 'paused'],
} satisfies Record<string, VmState[]>;

export type VmAction = keyof typeof actions;

export function assertAction(action: VmAction, state: VmState): void {
  const allowed: VmState[] = actions[action];
  if (!allowed.includes(state)) {
    throw conflict('invalid_state', `cannot ${action} a VM that is ${state} (allowed when ${allowed.join(', ')})`);
  }
}
