import { useCallback, useSyncExternalStore } from 'react';

/** Tailwind's lg breakpoint: from here on the sidebar and full tables have room. */
export const WIDE = '(min-width: 1024px)';
/** Tailwind's md breakpoint: below it, tables turn into cards. */
export const TABLET = '(min-width: 768px)';

/**
 * Whether a media query matches, kept current as the window resizes. Pages that would otherwise
 * render a table and its card version side by side (one hidden) render only the one that fits.
 */
export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    [query],
  );
  return useSyncExternalStore(subscribe, () => window.matchMedia(query).matches);
}
