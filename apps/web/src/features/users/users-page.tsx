import { useState } from 'react';
import type { User } from '@strata/contract';
import { ROLE_DESCRIPTIONS, ROLES } from '@strata/contract/roles';
import { useSession } from '../../api/get-session';
import { useUserMutations, useUsers } from '../../api/users';
import { Button } from '../../components/button';
import { EmptyState, ErrorBanner, PageHeader, Spinner } from '../../components/feedback';
import { formatTime, plural } from '../../components/format';
import { useRole } from '../../shared/use-role';
import { CreateUserDialog, DeleteUserDialog, PasswordDialog, RoleSelect, roleLabel } from './user-dialogs';
import { TokensDialog } from './tokens-dialog';

type Open = { kind: 'password' | 'delete' | 'tokens'; user: User } | { kind: 'create' } | null;

function UserRow({ user, self, onOpen }: { user: User; self: boolean; onOpen: (o: Open) => void }) {
  const { update } = useUserMutations();
  const busy = update.isPending;
  return (
    <tr data-testid="user-row" className="border-t border-slate-100 dark:border-slate-800">
      <th scope="row" className="px-3 py-2 text-left font-medium">
        {user.username}
        {self && <span className="ml-2 text-xs font-normal text-slate-500">(you)</span>}
      </th>
      <td className="px-3 py-2">
        <RoleSelect
          label={`Role of ${user.username}`}
          value={user.role}
          onChange={(role) => update.mutate({ id: user.id, patch: { role } })}
        />
      </td>
      <td className="px-3 py-2">
        {user.disabled ? <span className="text-amber-700 dark:text-amber-400">Disabled</span> : <span>Active</span>}
      </td>
      <td className="px-3 py-2 whitespace-nowrap text-slate-500">{user.lastLoginAt ? formatTime(user.lastLoginAt) : 'never'}</td>
      <td className="px-3 py-2">
        <Button variant="ghost" onClick={() => onOpen({ kind: 'tokens', user })} aria-label={`API tokens of ${user.username}`}>
          {plural(user.tokenCount, 'token')}
        </Button>
      </td>
      <td className="px-3 py-2">
        <div className="flex flex-wrap justify-end gap-1.5">
          <Button onClick={() => onOpen({ kind: 'password', user })} aria-label={`Reset the password of ${user.username}`}>
            Reset password…
          </Button>
          <Button
            disabled={busy}
            onClick={() => update.mutate({ id: user.id, patch: { disabled: !user.disabled } })}
            aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}`}
          >
            {user.disabled ? 'Enable' : 'Disable'}
          </Button>
          <Button variant="danger" onClick={() => onOpen({ kind: 'delete', user })} aria-label={`Delete ${user.username}`}>
            Delete…
          </Button>
        </div>
      </td>
    </tr>
  );
}

/** Accounts, their roles and API tokens. Only admins see this page; the server refuses anyone else too. */
export function UsersPage() {
  const { isAdmin } = useRole();
  const me = useSession().data?.username;
  const users = useUsers(isAdmin);
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  if (!isAdmin) return <EmptyState title="Admins only">Only an admin can see and change users. Ask one to change your role.</EmptyState>;
  return (
    <>
      <PageHeader
        title="Users"
        subtitle={
          <span className="block space-y-0.5">
            {ROLES.map((r) => (
              <span key={r} className="block">
                <strong>{roleLabel(r)}</strong>: {ROLE_DESCRIPTIONS[r]}.
              </span>
            ))}
          </span>
        }
        actions={
          <Button variant="primary" onClick={() => setOpen({ kind: 'create' })}>
            New user
          </Button>
        }
      />
      {users.isPending ? (
        <Spinner label="Reading the users" />
      ) : users.error ? (
        <ErrorBanner error={users.error} />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900">
          <table className="w-full min-w-[46rem] text-sm">
            <caption className="sr-only">Users</caption>
            <thead className="bg-slate-50 text-left text-xs text-slate-500 uppercase dark:bg-slate-950 dark:text-slate-400">
              <tr>
                {['Name', 'Role', 'State', 'Last sign-in', 'API tokens'].map((h) => (
                  <th key={h} scope="col" className="px-3 py-2 font-medium">
                    {h}
                  </th>
                ))}
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <UserRow key={u.id} user={u} self={u.username === me} onOpen={setOpen} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open?.kind === 'create' && <CreateUserDialog onClose={close} />}
      {open?.kind === 'password' && <PasswordDialog user={open.user} onClose={close} />}
      {open?.kind === 'delete' && <DeleteUserDialog user={open.user} onClose={close} />}
      {open?.kind === 'tokens' && <TokensDialog user={open.user} onClose={close} />}
    </>
  );
}
