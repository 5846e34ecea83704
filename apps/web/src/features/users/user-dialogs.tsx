import { useId, useState, type FormEvent } from 'react';
import type { User } from '@strata/contract';
import {
  PASSWORD_MIN_LENGTH,
  ROLE_DESCRIPTIONS,
  ROLES,
  USERNAME_MAX_LENGTH,
  USERNAME_PATTERN,
  USERNAME_RULE,
  type RoleName,
} from '@strata/contract/roles';
import { ApiError } from '../../api/client';
import { useTokens, useUserMutations } from '../../api/users';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, inputClass, TextInput } from '../../components/field';
import { ErrorBanner } from '../../components/feedback';

const fieldError = (error: unknown, field: string) => (error instanceof ApiError && error.field === field ? error.message : null);
/** An error no field shows: the dialog shows it whole (the last admin, a name taken...). */
const wholeError = (error: unknown) => (error && !(error instanceof ApiError && error.field?.startsWith('body.')) ? error : null);

export const roleLabel = (role: RoleName) => role.charAt(0).toUpperCase() + role.slice(1);

export function RoleSelect({ value, onChange, label }: { value: RoleName; onChange: (r: RoleName) => void; label?: string }) {
  return (
    <select aria-label={label} className={inputClass} value={value} onChange={(e) => onChange(e.target.value as RoleName)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {roleLabel(r)}
        </option>
      ))}
    </select>
  );
}

const passwordProblem = (p: string) =>
  p.length > 0 && p.length < PASSWORD_MIN_LENGTH ? `Password must be at least ${PASSWORD_MIN_LENGTH} characters.` : null;
const nameProblem = (n: string) => (n.length > 0 && !new RegExp(USERNAME_PATTERN).test(n) ? `Name may hold ${USERNAME_RULE}.` : null);

export function CreateUserDialog({ onClose }: { onClose: () => void }) {
  const { create } = useUserMutations();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<RoleName>('viewer');
  const formId = useId();
  const problem = nameProblem(username) ?? passwordProblem(password);
  const ready = !create.isPending && username !== '' && password !== '' && problem === null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ready) create.mutate({ username, password, role }, { onSuccess: onClose });
  };
  return (
    <Dialog
      title="New user"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} disabled={!ready}>
            Create user
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} className="space-y-4">
        <Field label="Name" error={nameProblem(username) ?? fieldError(create.error, 'body.username')} hint={USERNAME_RULE}>
          <TextInput
            value={username}
            maxLength={USERNAME_MAX_LENGTH}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="off"
            autoFocus
          />
        </Field>
        <Field
          label="Password"
          error={passwordProblem(password) ?? fieldError(create.error, 'body.password')}
          hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
        >
          <TextInput type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
        </Field>
        <Field label="Role" hint={ROLE_DESCRIPTIONS[role]}>
          <RoleSelect value={role} onChange={setRole} />
        </Field>
        {wholeError(create.error) && <ErrorBanner error={create.error} />}
      </form>
    </Dialog>
  );
}

export function PasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const { update } = useUserMutations();
  const [password, setPassword] = useState('');
  // Unchecked unless asked: scripts run on tokens, and a routine reset should not stop them.
  const [revokeTokens, setRevokeTokens] = useState(false);
  const formId = useId();
  const ready = !update.isPending && password !== '' && passwordProblem(password) === null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ready) update.mutate({ id: user.id, patch: { password, ...(revokeTokens && { revokeTokens }) } }, { onSuccess: onClose });
  };
  // Counted now, not from the list the page loaded: a script may have made tokens since.
  const count = useTokens(user.id).data?.length ?? user.tokenCount;
  const tokens = count === 1 ? 'API token' : `${count} API tokens`;
  return (
    <Dialog
      title={`Reset the password of ${user.username}`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} disabled={!ready}>
            Set password
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} className="space-y-4">
        <Field
          label="New password"
          error={passwordProblem(password) ?? fieldError(update.error, 'body.password')}
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. ${user.username}'s other sessions end.`}
        >
          <TextInput type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" autoFocus />
        </Field>
        {count > 0 && (
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-1"
              checked={revokeTokens}
              onChange={(e) => setRevokeTokens(e.target.checked)}
              aria-label={`Also revoke ${user.username}'s ${tokens}`}
              aria-describedby={`${formId}-tokens`}
            />
            <span>
              Also revoke {user.username}'s {tokens}
              <span id={`${formId}-tokens`} className="block text-slate-500 dark:text-slate-400">
                Tokens outlive a new password. Revoke them when the account may have been taken; scripts using them stop working.
              </span>
            </span>
          </label>
        )}
        {wholeError(update.error) && <ErrorBanner error={update.error} />}
      </form>
    </Dialog>
  );
}

export function DeleteUserDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const { remove } = useUserMutations();
  return (
    <Dialog
      title={`Delete ${user.username}?`}
      description={`${user.username} can no longer sign in; their sessions end and their ${user.tokenCount === 1 ? 'API token stops' : 'API tokens stop'} working. What they did stays in the activity log.`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate(user.id, { onSuccess: onClose })}>
            Delete user
          </Button>
        </>
      }
    >
      {remove.error && <ErrorBanner error={remove.error} />}
    </Dialog>
  );
}
