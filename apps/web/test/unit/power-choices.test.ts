import { describe, expect, it } from 'vitest';
import type { VmState } from '@strata/contract';
import { powerChoices } from '../../src/shared/power-choices';

const labels = (state: VmState) => powerChoices({ state }).map(([, label]) => label);

describe('powerChoices (the VM list row menu)', () => {
  it('offers only Start to a VM that is not running', () => {
    for (const state of ['defined', 'stopped', 'crashed'] as const) expect(labels(state)).toEqual(['Start']);
  });

  it('offers everything a running VM can do, the forced stop last', () => {
    expect(powerChoices({ state: 'running' })).toEqual([
      ['shutdown', 'Shut down'],
      ['pause', 'Pause'],
      ['reset', 'Reset'],
      ['stop', 'Force stop'],
    ]);
  });

  it('offers Resume to a paused VM, and a forced stop', () => {
    expect(labels('paused')).toEqual(['Resume', 'Force stop']);
  });

  it('offers only a forced stop while a VM starts or shuts down', () => {
    expect(labels('starting')).toEqual(['Force stop']);
    expect(labels('stopping')).toEqual(['Force stop']);
  });
});
