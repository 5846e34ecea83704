import { useSyncExternalStore } from 'react';

const subscribe = (onChange: () => void) => {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
};

/** Whether the page is dark now: canvases (charts) pick their colours from it, as CSS cannot reach them. */
export const useDarkMode = (): boolean => useSyncExternalStore(subscribe, () => document.documentElement.classList.contains('dark'));
