import { roleAtLeast, type RoleName } from '@strata/contract/roles';
import { useSession } from '../api/get-session';

/** What a role may not do, as the tooltip of a button it cannot press. */
export function refusal(role: RoleName, needed: RoleName, what: string): string | undefined {
  if (roleAtLeast(role, needed)) return undefined;
  return `${role === 'viewer' ? 'Viewers' : 'Operators'} cannot ${what}`;
}

/**
 * The signed-in user's role, and whether it reaches another. Until the session is known the
 * answer is the least role: nothing is offered that might be refused.
 */
export function useRole() {
  const role: RoleName = useSession().data?.role ?? 'viewer';
  return {
    role,
    /** At least an operator: may change VMs, images, shares, jobs and benchmarks. */
    canOperate: roleAtLeast(role, 'operator'),
    isAdmin: roleAtLeast(role, 'admin'),
    /** The tooltip for a change this role may not make (undefined when it may): "Viewers cannot start VMs". */
    cannot: (what: string, needed: RoleName = 'operator') => refusal(role, needed, what),
  };
}
