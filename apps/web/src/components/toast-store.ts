import { useSyncExternalStore } from 'react';
import { dropExpired, holdToasts, nextExpiry, pushToast, TOAST_MS, type Toast, type ToastTone } from './toast-queue';

let toasts: readonly Toast[] = [];
let nextId = 1;
let timer: ReturnType<typeof setTimeout> | undefined;
let held = false;
const listeners = new Set<() => void>();

function set(next: readonly Toast[]) {
  if (next === toasts) return;
  toasts = next;
  for (const l of listeners) l();
  schedule();
}

/** One timer for all toasts: it wakes at the earliest expiry, unless the user holds them. */
function schedule() {
  clearTimeout(timer);
  const at = nextExpiry(toasts);
  if (at === null || held) return;
  timer = setTimeout(() => set(dropExpired(toasts, Date.now())), Math.max(0, at - Date.now()));
}

export function showToast(tone: ToastTone, title: string, detail?: string): number {
  const id = nextId++;
  set(pushToast(toasts, { id, tone, title, detail, expiresAt: Date.now() + TOAST_MS[tone] }));
  return id;
}

/** A dismissed toast takes its focus with it (no blur follows a removal), so the hold ends here too. */
export function dismissToast(id: number) {
  held = false;
  set(toasts.filter((t) => t.id !== id));
  schedule();
}

/** While keyboard focus is on a toast they all stay; on leaving, each gets a few seconds more. */
export function holdAllToasts(on: boolean) {
  held = on;
  if (!on) set(holdToasts(toasts, Date.now() + 3_000));
  schedule();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};
export const useToasts = () => useSyncExternalStore(subscribe, () => toasts);
