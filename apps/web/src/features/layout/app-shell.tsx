import { useEffect, useRef, useState, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { keys } from '../../api/keys';
import { ToastRegion } from '../../components/toast';
import { Notice } from '../../components/feedback';
import { useActionFeed } from '../../shared/use-action-feed';
import { useRole } from '../../shared/use-role';
import { TaskBar } from './task-bar';

const nav = [
  ['/vms', 'Virtual machines'],
  ['/images', 'Images'],
  ['/shares', 'Shares'],
  ['/benchmarks', 'Benchmarks'],
  ['/host', 'Host'],
  ['/activity', 'Activity'],
] as const;
/** Shown to admins only (the server refuses everyone else as well). */
const adminNav = [['/users', 'Users']] as const;

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

function Brand() {
  return (
    <span className="flex items-center gap-2 text-lg font-semibold text-white">
      <span className="flex flex-col gap-0.5" aria-hidden>
        <span className="h-1 w-5 rounded bg-indigo-600" />
        <span className="h-1 w-5 rounded bg-indigo-400" />
        <span className="h-1 w-5 rounded bg-indigo-200" />
      </span>
      Strata
    </span>
  );
}

const NAV_ID = 'app-nav';

/**
 * From 1024 px up the navigation is a sidebar; below, a top bar with a Menu button that shows
 * and hides it (a disclosure). Escape closes it and gives focus back to the button; a link or a
 * click on the dimmed page closes it too.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const { isAdmin, canOperate } = useRole();
  useActionFeed(true);
  const [open, setOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const { pathname } = useLocation();
  const [seenPath, setSeenPath] = useState(pathname);
  if (seenPath !== pathname) {
    // Navigating (a link, the back button) closes the menu.
    setSeenPath(pathname);
    setOpen(false);
  }
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        menuButton.current?.focus();
        return;
      }
      if (e.key !== 'Tab') return;
      // The open menu covers the page (which is inert meanwhile): Tab cycles Menu, the links and Sign out.
      const panel = document.getElementById(NAV_ID);
      const stops = [menuButton.current, ...(panel?.querySelectorAll<HTMLElement>('a[href], button:not([disabled])') ?? [])].filter(
        (el): el is HTMLElement => el !== null,
      );
      const first = stops[0];
      const last = stops[stops.length - 1];
      if (!first || !last) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    };
    // The menu is a phone-width panel: at desktop width the sidebar shows, so an open menu would only leave the page inert.
    const wide = window.matchMedia('(min-width: 1024px)');
    const onWide = () => {
      if (wide.matches) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    wide.addEventListener('change', onWide);
    return () => {
      window.removeEventListener('keydown', onKey);
      wide.removeEventListener('change', onWide);
    };
  }, [open]);
  const logout = async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    qc.setQueryData(keys.session, null);
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
  };
  return (
    <div className="min-h-screen lg:flex">
      <header className="sticky top-0 z-40 flex h-14 items-center justify-between bg-slate-900 px-4 lg:hidden dark:border-b dark:border-slate-800">
        <Brand />
        <TaskBar className="ml-auto mr-2" />
        <button
          ref={menuButton}
          type="button"
          aria-expanded={open}
          aria-controls={NAV_ID}
          onClick={() => setOpen(!open)}
          className="inline-flex items-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium text-slate-200 hover:bg-slate-800 hover:text-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-400"
        >
          <span aria-hidden className="flex flex-col gap-1">
            <span className="h-0.5 w-4 rounded bg-current" />
            <span className="h-0.5 w-4 rounded bg-current" />
            <span className="h-0.5 w-4 rounded bg-current" />
          </span>
          Menu
        </button>
      </header>
      {open && <div aria-hidden className="fixed inset-0 top-14 z-30 bg-slate-900/50 lg:hidden" onClick={() => setOpen(false)} />}
      <aside
        id={NAV_ID}
        className={`${open ? 'fixed inset-x-0 top-14 z-40 block max-h-[calc(100dvh-3.5rem)] overflow-y-auto border-b border-slate-700 shadow-xl' : 'hidden'} bg-slate-900 text-slate-300 lg:static lg:block lg:max-h-none lg:w-56 lg:shrink-0 lg:overflow-visible lg:border-b-0 lg:shadow-none dark:border-r dark:border-slate-800`}
      >
        {/* The aside runs the page's full height; its contents stay in view while the page scrolls. */}
        <div className="flex flex-col lg:sticky lg:top-0 lg:h-screen">
          <div className="hidden px-5 py-5 lg:block">
            <Brand />
          </div>
          <nav className="flex-1 space-y-0.5 px-3 py-2 lg:py-0">
            {[...nav, ...(isAdmin ? adminNav : [])].map(([to, label]) => (
              <NavLink
                key={to}
                to={to}
                onClick={() => setOpen(false)}
                className={({ isActive }) =>
                  `block rounded-md px-3 py-2 text-sm ${isActive ? 'bg-slate-800 font-medium text-white' : 'hover:bg-slate-800/60 hover:text-white'}`
                }
              >
                {label}
              </NavLink>
            ))}
          </nav>
          <div className="hidden border-t border-slate-800 px-3 py-2 lg:block">
            <TaskBar />
          </div>
          <div className="flex items-center justify-between border-t border-slate-800 px-3 py-3">
            <ThemeToggle />
            <button
              type="button"
              onClick={logout}
              className="rounded-md px-2 py-1 text-xs text-slate-400 hover:bg-slate-800 hover:text-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-400"
            >
              Sign out
            </button>
          </div>
        </div>
      </aside>
      <main inert={open} className="min-w-0 flex-1 px-4 py-5 sm:px-6 lg:px-8 lg:py-6">
        {!canOperate && (
          <div className="mb-4">
            <Notice>You are signed in as a viewer: you see everything, change nothing, and consoles are read-only.</Notice>
          </div>
        )}
        {children}
      </main>
      <ToastRegion />
    </div>
  );
}
