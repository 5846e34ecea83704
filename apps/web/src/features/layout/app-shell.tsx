import { useState, type ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { keys } from '../../api/keys';

const nav = [
  ['/vms', 'Virtual machines'],
  ['/images', 'Images'],
  ['/shares', 'Shares'],
  ['/benchmarks', 'Benchmarks'],
  ['/host', 'Host'],
] as const;

function ThemeToggle() {
  const [dark, setDark] = useState(() => document.documentElement.classList.contains('dark'));
  const toggle = () => {
    const next = !dark;
    document.documentElement.classList.toggle('dark', next);
    localStorage.setItem('strata-theme', next ? 'dark' : 'light');
    setDark(next);
  };
  return (
    <button
      type="button"
      onClick={toggle}
      className="rounded-md px-2 py-1 text-xs text-slate-400 hover:bg-slate-800 hover:text-white"
      aria-label="Toggle dark mode"
    >
      {dark ? '☀ Light' : '☾ Dark'}
    </button>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const logout = async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    qc.setQueryData(keys.session, null);
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
  };
  return (
    <div className="flex min-h-screen">
      <aside className="flex w-56 shrink-0 flex-col bg-slate-900 text-slate-300 dark:border-r dark:border-slate-800">
        <div className="flex items-center gap-2 px-5 py-5 text-lg font-semibold text-white">
          <span className="flex flex-col gap-0.5" aria-hidden>
            <span className="h-1 w-5 rounded bg-indigo-600" />
            <span className="h-1 w-5 rounded bg-indigo-400" />
            <span className="h-1 w-5 rounded bg-indigo-200" />
          </span>
          Strata
        </div>
        <nav className="flex-1 space-y-0.5 px-3">
          {nav.map(([to, label]) => (
            <NavLink
              key={to}
              to={to}
              className={({ isActive }) =>
                `block rounded-md px-3 py-2 text-sm ${isActive ? 'bg-slate-800 font-medium text-white' : 'hover:bg-slate-800/60 hover:text-white'}`
              }
            >
              {label}
            </NavLink>
          ))}
        </nav>
        <div className="flex items-center justify-between border-t border-slate-800 px-3 py-3">
          <ThemeToggle />
          <button
            type="button"
            onClick={logout}
            className="rounded-md px-2 py-1 text-xs text-slate-400 hover:bg-slate-800 hover:text-white"
          >
            Sign out
          </button>
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-8 py-6">{children}</main>
    </div>
  );
}
