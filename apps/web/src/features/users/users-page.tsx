import { useState } from 'react';
import type { User } from '@strata/contract';
import { ROLE_DESCRIPTIONS, ROLES } from '@strata/contract/roles';
import { useSession } from '../../api/get-session';
import { useUserMutations, useUsers } from '../../api/users';
import { Button } from '../../components/button';
import { EmptyState, ErrorBanner, PageHeader, Spinner } from '../../components/feedback';
import { formatTime, plural } from '../../components/format';
import { TABLET, useMediaQuery } from '../../components/use-media-query';
import { useRole } from '../../shared/use-role';
import { CreateUserDialog, DeleteUserDialog, PasswordDialog, RoleSelect, roleLabel } from './user-dialogs';
import { TokensDialog } from './tokens-dialog';

type Open = { kind: 'password' | 'delete' | 'tokens'; user: User } | { kind: 'create' } | null;

/** What an admin can do to one user; the same controls in a table row and on a phone's card. */
function useUserControls(user: User, onOpen: (o: Open) => void) {
  const { update } = useUserMutations();
  return {
    role: (
      <RoleSelect
        label={`Role of ${user.username}`}
        value={user.role}
        onChange={(role) => update.mutate({ id: user.id, patch: { role } })}
      />
    ),
    state: user.disabled ? <span className="text-amber-700 dark:text-amber-400">Disabled</span> : <span>Active</span>,
    lastLogin: user.lastLoginAt ? formatTime(user.lastLoginAt) : 'never',
    tokens: (
      <Button variant="ghost" onClick={() => onOpen({ kind: 'tokens', user })} aria-label={`API tokens of ${user.username}`}>
        {plural(user.tokenCount, 'token')}
      </Button>
    ),
    actions: (
      <div className="flex flex-wrap justify-end gap-1.5">
        <Button onClick={() => onOpen({ kind: 'password', user })} aria-label={`Reset the password of ${user.username}`}>
          Reset password…
        </Button>
        <Button
          disabled={update.isPending}
          onClick={() => update.mutate({ id: user.id, patch: { disabled: !user.disabled } })}
          aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}`}
        >
          {user.disabled ? 'Enable' : 'Disable'}
        </Button>
        <Button variant="danger" onClick={() => onOpen({ kind: 'delete', user })} aria-label={`Delete ${user.username}`}>
          Delete…
        </Button>
      </div>
    ),
  };
}

const Name = ({ user, self }: { user: User; self: boolean }) => (
  <>
    {user.username}
    {self && <span className="ml-2 text-xs font-normal text-slate-500">(you)</span>}
  </>
);

function UserRow({ user, self, onOpen }: { user: User; self: boolean; onOpen: (o: Open) => void }) {
  const c = useUserControls(user, onOpen);
  return (
    <tr data-testid="user-row" className="border-t border-slate-100 dark:border-slate-800">
      <th scope="row" className="px-3 py-2 text-left font-medium">
        <Name user={user} self={self} />
      </th>
      <td className="px-3 py-2">{c.role}</td>
      <td className="px-3 py-2">{c.state}</td>
      <td className="px-3 py-2 whitespace-nowrap text-slate-500">{c.lastLogin}</td>
      <td className="px-3 py-2">{c.tokens}</td>
      <td className="px-3 py-2">{c.actions}</td>
    </tr>
  );
}

function UserCard({ user, self, onOpen }: { user: User; self: boolean; onOpen: (o: Open) => void }) {
  const c = useUserControls(user, onOpen);
  return (
    <li data-testid="user-row" className="space-y-2 p-3 text-sm">
      <div className="flex items-baseline justify-between gap-2">
        <h2 className="font-medium">
          <Name user={user} self={self} />
        </h2>
        {c.state}
      </div>
      {c.role}
      <p className="text-xs text-slate-500">Last sign-in: {c.lastLogin}</p>
      <div className="flex flex-wrap items-center justify-between gap-2">
        {c.tokens}
        {c.actions}
      </div>
    </li>
  );
}

/** Accounts, their roles and API tokens. Only admins see this page; the server refuses anyone else too. */
export function UsersPage() {
  const { isAdmin } = useRole();
  const me = useSession().data?.username;
  const users = useUsers(isAdmin);
  const [open, setOpen] = useState<Open>(null);
  const wide = useMediaQuery(TABLET);
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
      ) : !wide ? (
        <ul
          aria-label="Users"
          className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900"
        >
          {users.data.map((u) => (
            <UserCard key={u.id} user={u} self={u.username === me} onOpen={setOpen} />
          ))}
        </ul>
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
