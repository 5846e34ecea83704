import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Session } from '@strata/contract';
import { api, setCsrfToken } from '../../api/client';
import { keys } from '../../api/keys';
import { Button } from '../../components/button';
import { Field, TextInput } from '../../components/field';

/** The server's words as a sentence: "wrong user name or password" → "Wrong user name or password." */
const asSentence = (text: string) => {
  const raised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(raised) ? raised : `${raised}.`;
};

export function LoginPage() {
  const qc = useQueryClient();
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api<Session>('POST', '/auth/login', { username, password });
      setCsrfToken(session.csrfToken);
      qc.setQueryData(keys.session, session);
    } catch (err) {
      setError(asSentence((err as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form
        onSubmit={submit}
        className="w-full max-w-sm space-y-4 rounded-xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900"
      >
        <div>
          <h1 className="text-xl font-semibold">Strata</h1>
          <p className="text-sm text-slate-500">Virtual machines, their layers and their shares.</p>
        </div>
        <Field label="User">
          <TextInput name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
        </Field>
        <Field label="Password" error={error}>
          <TextInput
            name="password"
            type="password"
            autoComplete="current-password"
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Button type="submit" variant="primary" className="w-full" disabled={busy || password === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
        <p className="text-xs text-slate-500">
          If STRATA_ADMIN_PASSWORD was not set when the server started, the admin password was printed by the server on its first start and
          kept in <code>data/initial-admin-password</code>.
        </p>
      </form>
    </main>
  );
}
