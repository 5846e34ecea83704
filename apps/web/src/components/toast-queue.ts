/** Toasts as plain data: what shows, for how long, and which goes when too many pile up. */
export type ToastTone = 'success' | 'error' | 'info';

export interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  detail?: string;
  /** When it goes on its own (ms since the epoch); errors stay longer, as they need reading. */
  expiresAt: number;
}

export const TOAST_MS: Record<ToastTone, number> = { success: 6_000, info: 6_000, error: 15_000 };
export const MAX_TOASTS = 4;

/**
 * The list with one more toast, newest last. Past the limit the oldest non-error goes first, so
 * a burst of successes never pushes a failure out of view before it was read.
 */
export function pushToast(list: readonly Toast[], toast: Toast, max = MAX_TOASTS): Toast[] {
  const next = [...list, toast];
  while (next.length > max) {
    const calm = next.findIndex((t) => t.tone !== 'error');
    next.splice(calm >= 0 ? calm : 0, 1);
  }
  return next;
}

/** Drops toasts whose time is up; the same array when none is, so subscribers see no change. */
export function dropExpired(list: readonly Toast[], now: number): readonly Toast[] {
  return list.some((t) => t.expiresAt <= now) ? list.filter((t) => t.expiresAt > now) : list;
}

/** Postpones every expiry by `ms` (while the pointer or focus rests on the toasts, nothing goes). */
export const holdToasts = (list: readonly Toast[], until: number): Toast[] =>
  list.map((t) => (t.expiresAt < until ? { ...t, expiresAt: until } : t));

/** The earliest expiry, for the one timer the store keeps; null with nothing to wait for. */
export const nextExpiry = (list: readonly Toast[]): number | null => (list.length === 0 ? null : Math.min(...list.map((t) => t.expiresAt)));
