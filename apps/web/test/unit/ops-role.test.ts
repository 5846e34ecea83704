import { describe, expect, it } from 'vitest';
import { refusal } from '../../src/shared/use-role';

describe('role gating', () => {
  it('refuses a viewer every change, with the reason as a tooltip', () => {
    expect(refusal('viewer', 'operator', 'start VMs')).toBe('Viewers cannot start VMs');
  });

  it('lets operators operate but not manage users', () => {
    expect(refusal('operator', 'operator', 'start VMs')).toBeUndefined();
    expect(refusal('operator', 'admin', 'manage users')).toBe('Operators cannot manage users');
  });

  it('lets an admin do everything', () => {
    expect(refusal('admin', 'admin', 'manage users')).toBeUndefined();
    expect(refusal('admin', 'operator', 'start VMs')).toBeUndefined();
  });
});
