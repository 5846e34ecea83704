import { useId, useRef, useState, type FormEvent } from 'react';
import type { ApiToken, CreatedToken, User } from '@strata/contract';
import { TOKEN_NAME_MAX_LENGTH } from '@strata/contract/roles';
import { useTokens, useUserMutations } from '../../api/users';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, inputClass, TextInput } from '../../components/field';
import { ErrorBanner, Notice, Spinner } from '../../components/feedback';
import { formatTime } from '../../components/format';

/** The secret, once: a copy button and the warning that it cannot be shown again. */
function NewToken({ token }: { token: CreatedToken }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('yes');
    } catch {
      // No clipboard (a plain-http address other than localhost): select it for the user to copy.
      input.current?.select();
      setCopied('no');
    }
  };
  return (
    <div className="space-y-3">
      <Notice tone="warn">
        Copy the token <strong>{token.name}</strong> now: Strata keeps only its hash and cannot show it again. Send it as{' '}
        <code>Authorization: Bearer …</code>.
      </Notice>
      <div className="flex gap-2">
        <input
          ref={input}
          readOnly
          aria-label={`The new token ${token.name}`}
          value={token.token}
          onFocus={(e) => e.target.select()}
          className={`${inputClass} font-mono`}
        />
        <Button variant="primary" onClick={() => void copy()}>
          Copy
        </Button>
      </div>
      <p role="status" className="text-xs text-slate-500">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'no'
            ? 'The browser refused the clipboard: the token is selected, press Ctrl+C.'
            : ''}
      </p>
    </div>
  );
}

function TokenRow({ user, token }: { user: User; token: ApiToken }) {
  const { revokeToken } = useUserMutations();
  const [confirming, setConfirming] = useState(false);
  return (
    <li data-testid="token" className="flex flex-wrap items-center justify-between gap-2 py-2">
      <div className="min-w-0 text-sm">
        <p className="font-medium [overflow-wrap:anywhere]">{token.name}</p>
        <p className="text-xs text-slate-500">
          Created {formatTime(token.createdAt)} · {token.lastUsedAt ? `last used ${formatTime(token.lastUsedAt)}` : 'never used'}
        </p>
      </div>
      {confirming ? (
        <span className="flex items-center gap-2 text-sm">
          <span>Revoke {token.name}?</span>
          <Button onClick={() => setConfirming(false)}>Keep</Button>
          <Button
            variant="danger"
            disabled={revokeToken.isPending}
            onClick={() => revokeToken.mutate({ userId: user.id, tokenId: token.id })}
          >
            Revoke
          </Button>
        </span>
      ) : (
        <Button variant="ghost" onClick={() => setConfirming(true)} aria-label={`Revoke ${token.name}`}>
          Revoke…
        </Button>
      )}
    </li>
  );
}

/** A user's API tokens: the list (no secrets), a new one by name, and revocation after a confirmation. */
export function TokensDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const tokens = useTokens(user.id);
  const { createToken } = useUserMutations();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const formId = useId();
  const ready = !createToken.isPending && name.trim() !== '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    createToken.mutate(
      { userId: user.id, name: name.trim() },
      {
        onSuccess: (t) => {
          setCreated(t);
          setName('');
        },
      },
    );
  };
  return (
    <Dialog
      title={created ? `New API token for ${user.username}` : `API tokens of ${user.username}`}
      onClose={onClose}
      footer={
        created ? (
          <Button variant="primary" onClick={() => setCreated(null)}>
            I have copied it
          </Button>
        ) : (
          <Button onClick={onClose}>Close</Button>
        )
      }
    >
      {created ? (
        <NewToken token={created} />
      ) : (
        <>
          <p className="text-sm text-slate-600 dark:text-slate-300">
            A token acts as {user.username}, with the same role, from scripts and other tools.
          </p>
          {tokens.isPending ? (
            <Spinner label="Reading the tokens" />
          ) : tokens.error ? (
            <ErrorBanner error={tokens.error} />
          ) : tokens.data.length === 0 ? (
            <p className="text-sm text-slate-500">No tokens yet.</p>
          ) : (
            <ul aria-label="Tokens" className="divide-y divide-slate-200 dark:divide-slate-800">
              {tokens.data.map((t) => (
                <TokenRow key={t.id} user={user} token={t} />
              ))}
            </ul>
          )}
          <form id={formId} onSubmit={submit} className="flex items-end gap-2">
            <div className="flex-1">
              <Field label="New token's name">
                <TextInput
                  value={name}
                  maxLength={TOKEN_NAME_MAX_LENGTH}
                  onChange={(e) => setName(e.target.value)}
                  placeholder="backup script"
                  autoComplete="off"
                />
              </Field>
            </div>
            <Button type="submit" variant="primary" disabled={!ready}>
              Create token
            </Button>
          </form>
          {createToken.error && <ErrorBanner error={createToken.error} />}
        </>
      )}
    </Dialog>
  );
}
