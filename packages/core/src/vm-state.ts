import type { VmState } from '@strata/contract';
import { conflict } from './errors.js';

export const isActive = (state: VmState): boolean =>
  state === 'starting' || state === 'running' || state === 'paused' || state === 'stopping';

/** Which user actions make sense in each state; the API refuses the rest with a 409. */
const actions = {
  start: ['defined', 'stopped', 'crashed'],
  stop: ['starting', 'running', 'paused', 'stopping'],
  shutdown: ['running', 'paused'],
  restart: ['running', 'paused'],
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
