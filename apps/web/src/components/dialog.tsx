import { useId, useLayoutEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE = 'a[href], button, input:not([type="hidden"]), select, textarea, [tabindex]';

/** What Tab visits inside root, in order: a radio group is one stop (its checked radio, else its first). */
function tabStops(root: HTMLElement): HTMLElement[] {
  const all = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.tabIndex >= 0 && !el.matches(':disabled') && el.getClientRects().length > 0,
  );
  const radios = (name: string) =>
    all.filter((o): o is HTMLInputElement => o instanceof HTMLInputElement && o.type === 'radio' && o.name === name);
  return all.filter((el) => {
    if (!(el instanceof HTMLInputElement) || el.type !== 'radio' || !el.name) return true;
    const group = radios(el.name);
    return (group.find((r) => r.checked) ?? group[0]) === el;
  });
}

/**
 * A modal dialog on the platform's <dialog>: showModal() makes the page behind inert and moves
 * focus to the first field (or, in a confirmation, to the first footer button, which is Cancel by
 * convention). Tab wraps inside the dialog instead of leaving for the browser's own UI, Escape and
 * a click on the backdrop ask onClose, and focus goes back to whatever opened it.
 */
export function Dialog({
  title,
  description,
  onClose,
  children,
  footer,
}: {
  title: string;
  /** A sentence screen readers read after the title; without it a dialog with no fields is described by its body. */
  description?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  const footerRef = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  useLayoutEffect(() => {
    onCloseRef.current = onClose;
  });
  const id = useId();

  useLayoutEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    let mounted = true;
    if (!dialog.open) dialog.showModal();
    // Chromium makes a body that scrolls focusable, and showModal() then picks it before any field:
    // the first field (or, in a confirmation, the first footer button) takes focus as it would have.
    const body = bodyRef.current!;
    if (document.activeElement === body) {
      const first =
        body.querySelector<HTMLElement>('input:not([type="hidden"]):not(:disabled), select:not(:disabled), textarea:not(:disabled)') ??
        footerRef.current?.querySelector<HTMLElement>('button:not(:disabled)');
      first?.focus();
    }
    if (!description && !bodyRef.current!.querySelector('input, select, textarea')) dialog.setAttribute('aria-describedby', `${id}-body`);
    // The owner decides whether Escape closes (a running merge, say, keeps its dialog open).
    const onCancel = (e: Event) => {
      e.preventDefault();
      onCloseRef.current();
    };
    // Chromium closes anyway on a second Escape without user activation: if the owner still
    // renders the dialog, it must stay modal rather than linger invisibly in the page.
    const onNativeClose = () => {
      onCloseRef.current();
      setTimeout(() => mounted && !dialog.open && dialog.isConnected && dialog.showModal());
    };
    dialog.addEventListener('cancel', onCancel);
    dialog.addEventListener('close', onNativeClose);
    return () => {
      mounted = false;
      dialog.removeEventListener('cancel', onCancel);
      dialog.removeEventListener('close', onNativeClose);
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
    // Opened once per mount; the description only decides the attribute at that moment.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const wrapTab = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab') return;
    const stops = tabStops(ref.current!);
    const [first, last] = [stops[0], stops.at(-1)];
    if (!first || !last) return e.preventDefault();
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !ref.current!.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      aria-labelledby={`${id}-title`}
      aria-describedby={description ? `${id}-description` : undefined}
      onKeyDown={wrapTab}
      onMouseDown={(e) => e.target === e.currentTarget && onCloseRef.current()}
      className="m-auto max-h-[calc(100dvh-2rem)] w-[calc(100%-2rem)] max-w-lg overflow-hidden rounded-lg bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50 backdrop:backdrop-blur-sm dark:bg-slate-900 dark:text-slate-100 dark:ring-1 dark:ring-slate-800"
    >
      {/* The body scrolls between a fixed title and footer, so a tall form on a phone keeps its buttons in view. */}
      <div className="flex max-h-[calc(100dvh-2rem)] flex-col">
        <h2 id={`${id}-title`} className="shrink-0 border-b border-slate-200 px-5 py-3 text-base font-semibold dark:border-slate-800">
          {title}
        </h2>
        <div ref={bodyRef} id={`${id}-body`} className="min-h-0 space-y-4 overflow-y-auto px-5 py-4">
          {description && (
            <p id={`${id}-description`} className="text-sm text-slate-600 dark:text-slate-300">
              {description}
            </p>
          )}
          {children}
        </div>
        <div
          ref={footerRef}
          className="flex shrink-0 flex-wrap justify-end gap-2 border-t border-slate-200 px-5 py-3 dark:border-slate-800"
        >
          {footer}
        </div>
      </div>
    </dialog>
  );
}
