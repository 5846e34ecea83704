import type { Toast } from './toast-queue';
import { dismissToast, holdAllToasts, useToasts } from './toast-store';

const TONE: Record<Toast['tone'], string> = {
  success: 'border-emerald-300 bg-emerald-50 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100',
  info: 'border-sky-300 bg-sky-50 text-sky-950 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-100',
  error: 'border-red-300 bg-red-50 text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-100',
};
const MARK: Record<Toast['tone'], string> = { success: '✓', info: 'ℹ', error: '!' };

function ToastCard({ toast }: { toast: Toast }) {
  return (
    <div
      data-testid="toast"
      data-tone={toast.tone}
      className={`pointer-events-auto flex items-start gap-2 rounded-md border px-3 py-2 text-sm shadow-lg ${TONE[toast.tone]}`}
    >
      <span aria-hidden className="mt-0.5 font-bold">
        {MARK[toast.tone]}
      </span>
      <div className="min-w-0 flex-1 [overflow-wrap:anywhere]">
        <p className="font-medium">{toast.title}</p>
        {toast.detail && <p className="mt-0.5 text-xs opacity-90">{toast.detail}</p>}
      </div>
      <button
        type="button"
        onClick={() => dismissToast(toast.id)}
        aria-label={`Dismiss: ${toast.title}`}
        className="-mr-1 rounded px-1.5 text-base leading-none opacity-70 hover:opacity-100"
      >
        ×
      </button>
    </div>
  );
}

/**
 * The two live regions are in the page from the start (a region added together with its text is
 * not announced): outcomes are read politely, failures at once. Toasts go on their own after a
 * while, except while keyboard focus is on one (its Dismiss button); what they said stays in the
 * Tasks panel's recent list. A pointer resting on them does not hold them: it would keep a toast
 * over the page for as long as the mouse happens to sit there.
 */
export function ToastRegion() {
  const toasts = useToasts();
  const region = (tone: 'polite' | 'assertive') => (
    <div
      role={tone === 'polite' ? 'status' : 'alert'}
      aria-live={tone}
      aria-label={tone === 'polite' ? 'Notifications' : 'Errors'}
      className="flex flex-col gap-2"
    >
      {toasts
        .filter((t) => (t.tone === 'error') === (tone === 'assertive'))
        .map((t) => (
          <ToastCard key={t.id} toast={t} />
        ))}
    </div>
  );
  return (
    <div
      className="pointer-events-none fixed inset-x-3 bottom-3 z-50 flex flex-col gap-2 sm:left-auto sm:w-96"
      onFocus={() => holdAllToasts(true)}
      onBlur={() => holdAllToasts(false)}
    >
      {region('assertive')}
      {region('polite')}
    </div>
  );
}
