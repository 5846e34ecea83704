import { describe, expect, it } from 'vitest';
import type { Image } from '@strata/contract';
import { deletePlan } from '../../src/shared/vm-delete-plan';

const image = (id: string, parentId: string | null, ownerVmId: string | null): Image => ({
  id,
  name: id,
  path: `/images/${id}.qcow2`,
  format: 'qcow2',
  parentId,
  virtualSize: 1024 ** 3,
  allocatedSize: 1024 ** 2,
  protected: false,
  valid: true,
  invalidReason: null,
  usedBy: [],
  snapshot: null,
  ownerVmId,
  cow: null,
  pendingFirstUse: false,
  createdAt: '2026-01-01T00:00:00Z',
});

describe('deletePlan', () => {
  const base = image('base', null, null);
  const snap = image('q1-snap', 'base', 'q1');
  const top = image('q1-top', 'q1-snap', 'q1');

  it('lists the VM’s own layers once, and no blocker when nothing else stands on them', () => {
    const plan = deletePlan('q1', [base, snap, top, top]);
    expect(plan.own.map((i) => i.id)).toEqual(['q1-snap', 'q1-top']);
    expect(plan.blockers).toEqual([]);
  });

  it('names a clone of another VM standing on one of its layers', () => {
    const clone = image('q2-top', 'q1-snap', 'q2');
    const plan = deletePlan('q1', [base, snap, top, clone]);
    expect(plan.blockers.map((b) => [b.image.id, b.base.id])).toEqual([['q2-top', 'q1-snap']]);
  });

  it('is not blocked by the shared base it stands on, nor by another VM on that base', () => {
    const other = image('q3-top', 'base', 'q3');
    expect(deletePlan('q1', [base, snap, top, other]).blockers).toEqual([]);
  });

  it('counts a standalone image made on its layer as a blocker too', () => {
    const loose = image('made-from-snap', 'q1-snap', null);
    expect(deletePlan('q1', [base, snap, top, loose]).blockers.map((b) => b.image.id)).toEqual(['made-from-snap']);
  });
});
